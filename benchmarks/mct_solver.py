"""MCT solver speed: PY hard spheres, N_k = 100, k_max = 40, Brownian, t from 1e-10 to 1e10.

Solves phi = 0.51 (liquid) and phi = 0.52 (glass) with the time-doubling solver (blocks of 64
points, fixed-point tolerance 1e-9) and prints the seconds for both together as the last line,
mct_pyhs_seconds (target <= 1 on one core).  The binary-mixture timing is not measured yet: the
mixture kernel is still to be written.
"""
import time

import numpy as np

from glassdyn.theory import OneComponentMCT, midpoint_grid, py_structure_factor


def main():
    k = midpoint_grid(100, 40.0)
    kernels = [OneComponentMCT(k, py_structure_factor(k, phi), 6 * phi / np.pi) for phi in (0.51, 0.52)]
    kernels[0](kernels[0].S)  # JIT warm-up
    total = 0.0
    for phi, kern in zip((0.51, 0.52), kernels):
        t = time.perf_counter()
        sol = kern.solve(t_max=1e10, h0=1e-10 / 32, n=64, tol=1e-9)
        dt = time.perf_counter() - t
        total += dt
        peak = np.argmax(kern.S)
        print(f"phi={phi}: {dt:.3f} s, {sol.t.size} time points, "
              f"F(k_p, 1e10)/S(k_p) = {sol.F[-1, peak] / kern.S[peak]:.4f}")
    print(f"mct_pyhs_seconds={total:.3f}")


if __name__ == "__main__":
    main()
