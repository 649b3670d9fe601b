"""T_mct of fit-parameter-free MCT from our own simulated S^ab(k; T) (Ciarella 2023 Table I).

For LJ and WCA at each density of the library: the simulated temperatures that bracket the MCT
transition (ergodic / glassy non-ergodicity parameter), then bisection in 1/T on S(k; T)
interpolated linearly in 1/T.  Then the diagnosis of the rho = 1.8 gap (issue 18):
- the equilibrated states that bracket T_mct (the bracket is what the interpolation cannot leave);
- the conditioning: T_mct again with the structure S - x delta weakened by 2 % at k > 3
  (d ln T_mct / d ln S), i.e. how far a percent-level difference of S(k) moves T_mct;
- density scaling: gamma_eff = d ln T_mct / d ln rho between neighbouring densities, ours and the
  paper's (for LJ and WCA gamma decreases toward 4, the r^-12 limit, as rho grows).
Usage: python benchmarks/tmct_table.py [library.h5] (default: the shipped library).
Last line tmct_lj_rho1.2=<x> (seed: 0.90; WCA 0.74).
"""
import sys
import time

import numpy as np

from glassdyn.theory.mct import nonergodicity_parameter
from glassdyn.theory.mct_mixture import MixtureMCT, critical_temperature
from glassdyn.workflows.collective import mct_structure
from glassdyn.workflows.state_library import CIARELLA2023_TMCT, default_library, read_library


def tmct(lib, code, rho, weaken=0.0):
    """(T_mct, glassy-side T, liquid-side T) from the equilibrated states at (interaction, rho);
    ``weaken`` scales S - x delta at k > 3 by (1 - weaken)."""
    sel = np.flatnonzero((lib.interaction == code) & np.isclose(lib.rho, rho) & lib.equilibrated)
    sel = sel[np.argsort(lib.temperature[sel])]
    temps = lib.temperature[sel]
    structs = [mct_structure(lib, i) for i in sel]
    k, x = structs[0][0], structs[0][3]
    ideal = np.diag(x)[None]
    mask = (k > 3.0)[:, None, None]
    S = np.array([s[1] - weaken * mask * (s[1] - ideal) for s in structs])
    glassy = []
    for Si in S:
        kern = MixtureMCT(k, Si, rho, x)
        f, _ = nonergodicity_parameter(kern, Si, kern.gamma, tol=1e-8)
        glassy.append(np.max(np.abs(f)) > 1e-6)
    glassy = np.array(glassy)
    if glassy.all() or not glassy.any():
        raise ValueError(f"not bracketed by {temps.tolist()}")
    lo, hi = temps[glassy].max(), temps[~glassy].min()
    return critical_temperature(k, temps, S, rho, x, t_low=lo, t_high=hi, tol=1e-4), lo, hi


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else default_library()
    lib = read_library(path)
    result = {}
    print("interaction  rho   T_mct(glassdyn)  paper  bracket (equilibrated)  T_mct(S weakened 2 %)  "
          "d ln T/d ln S  seconds")
    for name, code in (("lj", 0), ("wca", 1)):
        for rho in sorted(set(np.round(lib["rho"], 3))):
            t0 = time.perf_counter()
            try:
                tc, lo, hi = tmct(lib, code, rho)
                weak, _, _ = tmct(lib, code, rho, weaken=0.02)
            except ValueError as exc:
                print(f"{name:11s} {rho:4.1f}  {exc}")
                continue
            result[(name, rho)] = tc
            print(f"{name:11s} {rho:4.1f}  {tc:15.3f}  {CIARELLA2023_TMCT[(name, rho)]:5.2f}  "
                  f"[{lo:.3f}, {hi:.3f}]  {weak:21.3f}  {np.log(tc / weak) / -np.log(0.98):13.1f}  "
                  f"{time.perf_counter() - t0:7.1f}")
    print("density scaling gamma_eff = d ln T_mct / d ln rho (ours | paper):")
    for name in ("lj", "wca"):
        rhos = sorted(r for (n, r) in result if n == name)
        for a, b in zip(rhos[:-1], rhos[1:]):
            ours = np.log(result[(name, b)] / result[(name, a)]) / np.log(b / a)
            paper = np.log(CIARELLA2023_TMCT[(name, b)] / CIARELLA2023_TMCT[(name, a)]) / np.log(b / a)
            print(f"  {name:4s} {a:.1f} -> {b:.1f}: {ours:5.2f} | {paper:5.2f}")
    print(f"tmct_lj_rho1.2={result.get(('lj', 1.2), float('nan')):.3f}")


if __name__ == "__main__":
    main()
