"""Seconds per KA2D N=1290 quench (T=0.5 liquid) to max|F| <= 1e-8, one core.

Includes building the LAMMPS instance; the median over 5 configurations is the figure.
Last line: is_seconds (target <= 2).
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.workflows import inherent_structure  # noqa: E402


def main():
    system, confs = ka2d_liquids(0.5, count=5)
    times = []
    for conf in confs:
        t = time.perf_counter()
        inh = inherent_structure(conf, system.potential)
        times.append(time.perf_counter() - t)
        print(f"  E_IS/N = {inh.energy / system.n_particles:.6f}  max|F| = {inh.max_force:.2e}  "
              f"{inh.iterations} FIRE steps  {times[-1]:.3f} s")
    print(f"is_seconds={np.median(times):.3f}")


if __name__ == "__main__":
    main()
