"""MCT solver speed at equal accuracy: PY hard spheres and a binary PY mixture, Brownian, N_k = 100,
k_max = 40, t from 1e-9 to 1e10 (issue 18's standard grid).

Accuracy: tau, where F(k = 7, t) / S(k = 7) = 1/e, on the default grid (blocks of 128 points for the
one-component fluid, 192 for the mixture) against the converged value (Richardson extrapolation of
blocks of 256 and 512 points, the scheme being second order); the default grid must hold tau within
1e-3 of it.  Speed: the best of three warm solves at phi = 0.51 on one core (``mct_pyhs_seconds``),
and one solve of the mixture (x = 1/2, 1/2, sigma = 1, 1.2) at phi = 0.515 (``mct_mixture_seconds``).

The reference, mctspy, is not on PyPI (the package of that name there is a tree-search library), so
it cannot run side by side here: its figures below are those issue 18 measured on this class of
machine (block size 256: tau(0.51) = 102.79 in 3.1-3.3 s warm; the mixture in 73.7 s), and the
printed ratios carry that caveat.  ``--quick`` skips the converged reference and the mixture.
"""
import argparse
import time

import numpy as np

from glassdyn.theory import (MixtureMCT, OneComponentMCT, midpoint_grid, py_mixture_structure_factor,
                             py_structure_factor)

MCTSPY_PYHS_SECONDS = 3.2
MCTSPY_MIXTURE_SECONDS = 73.7
GRID = dict(t_max=1e10, h0=1e-9, tol=1e-9)


def tau(t, f, level=np.exp(-1)):
    """First crossing of ``level`` by f(t), interpolated linearly in log t."""
    j = np.nonzero(f < level)[0][0]
    lt, y = np.log(t[j - 1:j + 1]), f[j - 1:j + 1]
    return float(np.exp(lt[0] + (level - y[0]) * (lt[1] - lt[0]) / (y[1] - y[0])))


def converged(solve, n=256):
    """Richardson extrapolation of tau from blocks of n and 2n points (second order)."""
    coarse, fine = solve(n)[0], solve(2 * n)[0]
    return fine + (fine - coarse) / 3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    k = midpoint_grid(100, 40.0)
    ik = int(np.argmin(np.abs(k - 7.0)))
    hs = OneComponentMCT(k, py_structure_factor(k, 0.51), 6 * 0.51 / np.pi)
    hs(hs.S)  # JIT warm-up

    def solve_hs(n):
        start = time.perf_counter()
        sol = hs.solve(n=n, **GRID)
        return tau(sol.t, sol.F[:, ik] / hs.S[ik]), time.perf_counter() - start

    runs = [solve_hs(128) for _ in range(3)]
    tau_051, seconds = runs[0][0], min(r[1] for r in runs)
    print(f"PY hard spheres phi = 0.51, blocks of 128: tau(k=7) = {tau_051:.4f} in {seconds:.3f} s "
          f"(best of 3); mctspy (issue 18, blocks of 256): 102.79 in 3.1-3.3 s")
    if not args.quick:
        ref = converged(solve_hs)
        print(f"  converged tau = {ref:.4f}; default grid off by {abs(tau_051 / ref - 1):.1e} "
              f"(target < 1e-3); mctspy's 102.79 off by {abs(102.79 / ref - 1):.1e}")
        x, sigma, phi = np.array([0.5, 0.5]), np.array([1.0, 1.2]), 0.515
        mix = MixtureMCT(k, py_mixture_structure_factor(k, sigma, x, phi),
                         phi / (np.pi / 6 * np.sum(x * sigma**3)), x)
        mix(mix.S)

        def solve_mix(n):
            start = time.perf_counter()
            sol = mix.solve(n=n, **GRID)
            return tau(sol.t, sol.F[:, ik, 0, 0] / mix.S[ik, 0, 0]), time.perf_counter() - start

        tau_mix, mix_seconds = solve_mix(192)
        ref_mix = converged(solve_mix)
        print(f"binary PY mixture phi = {phi}, blocks of 192: tau_11(k=7) = {tau_mix:.1f} in "
              f"{mix_seconds:.2f} s; converged {ref_mix:.1f}, off by {abs(tau_mix / ref_mix - 1):.1e}")
        print(f"mct_mixture_seconds={mix_seconds:.3f}")
        print(f"mct_mixture_speedup_vs_mctspy={MCTSPY_MIXTURE_SECONDS / mix_seconds:.1f}  "
              f"(mctspy's figure from issue 18, not rerun here)")
    print(f"mct_pyhs_speedup_vs_mctspy={MCTSPY_PYHS_SECONDS / seconds:.1f}  "
          f"(mctspy's figure from issue 18, not rerun here)")
    print(f"mct_tau_051={tau_051:.4f}")
    print(f"mct_pyhs_seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
