"""T_mct of fit-parameter-free MCT from our own simulated S^ab(k; T) (Ciarella 2023 Table I).

For LJ and WCA at each density of the library: the simulated temperatures that bracket the MCT
transition (ergodic / glassy non-ergodicity parameter), then bisection in 1/T on S(k; T)
interpolated linearly in 1/T.  Usage: python benchmarks/tmct_table.py [library.h5]
(default: the shipped library).  Last line tmct_lj_rho1.2=<x> (seed: 0.90; WCA 0.74).
"""
import sys
import time

import numpy as np

from glassdyn.workflows.collective import library_tmct
from glassdyn.workflows.state_library import CIARELLA2023_TMCT, default_library, read_library


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else default_library()
    lib = read_library(path)
    result = {}
    print("interaction  rho   T_mct(glassdyn)  T_mct(paper Table I)  seconds")
    for name, code in (("lj", 0), ("wca", 1)):
        for rho in sorted(set(np.round(lib["rho"], 3))):
            t0 = time.perf_counter()
            try:
                tc = library_tmct(lib, code, rho)
            except ValueError as exc:
                print(f"{name:11s} {rho:4.1f}  not bracketed: {exc}")
                continue
            result[(name, rho)] = tc
            print(f"{name:11s} {rho:4.1f}  {tc:15.3f}  {CIARELLA2023_TMCT[(name, rho)]:19.2f}  "
                  f"{time.perf_counter() - t0:7.1f}")
    print(f"tmct_lj_rho1.2={result.get(('lj', 1.2), float('nan')):.3f}")


if __name__ == "__main__":
    main()
