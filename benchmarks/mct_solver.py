"""MCT solver speed: PY hard spheres, N_k = 100, k_max = 40, Brownian, t from 1e-10 to 1e10.

Solves phi = 0.51 (liquid) and phi = 0.52 (glass) with the time-doubling solver (blocks of 64
points, fixed-point tolerance 1e-9) and prints the seconds for both together as the last line,
mct_pyhs_seconds (target <= 1 on one core).  Before it: a binary PY hard-sphere mixture
(x = 1/2, 1/2, sigma = 1, 1.2, N_k = 100) near its transition, phi = 0.515, the same time range
(mct_mixture_seconds, target <= 10).
"""
import time

import numpy as np

from glassdyn.theory import (MixtureMCT, OneComponentMCT, midpoint_grid, py_mixture_structure_factor,
                             py_structure_factor)


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
    x, sigma, phi = np.array([0.5, 0.5]), np.array([1.0, 1.2]), 0.515
    mix = MixtureMCT(k, py_mixture_structure_factor(k, sigma, x, phi),
                     phi / (np.pi / 6 * np.sum(x * sigma**3)), x)
    mix(mix.S)  # JIT warm-up
    t = time.perf_counter()
    sol = mix.solve(t_max=1e10, h0=1e-10 / 32, n=64, tol=1e-9)
    dt = time.perf_counter() - t
    print(f"binary mixture phi={phi}: {dt:.3f} s, {sol.t.size} time points")
    print(f"mct_mixture_seconds={dt:.3f}")
    print(f"mct_pyhs_seconds={total:.3f}")


if __name__ == "__main__":
    main()
