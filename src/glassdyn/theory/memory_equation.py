"""Memory-equation solvers:  alpha F'' + beta F' + gamma F + int_0^t M(t - s) F'(s) ds = 0.

``solve_memory_equation`` uses the time-doubling (decimation) algorithm of Fuchs, Goetze, Hofacker
and Latz (J. Phys. C 1991), as used by Flenner and Szamel: blocks of ``n`` points with step h; the
second half of each block (all but 4 short-time points of the first) is solved implicitly (fixed-point iteration on F_i and M_i = kernel(F_i)),
then the grid is halved (h -> 2h) keeping interval averages of F and M, so 20 decades cost
~66 blocks.  ``uniform=True`` keeps h fixed (plain solver, for cross-checks on short times).

Discretisation at step i (ib = i // 2), with dF_j, dM_j the averages over [t_{j-1}, t_j]:

    int_0^{t_i} M(t_i - s) F'(s) ds ~ M_0 F_i - M_{i-ib} F_ib + sum_{j=1}^{ib} (F_j - F_{j-1}) dM_{i-j+1}
                                      + sum_{j=1}^{i-ib} (M_j - M_{j-1}) dF_{i-j+1}

(exact for constant M), and second-order backward differences for F' and F''.

F may be a scalar or a vector (e.g. one entry per wave number) with elementwise alpha, beta, gamma.
The kernel is any callable ``kernel(F, t) -> M`` of the same shape.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MemorySolution", "solve_memory_equation"]


@dataclass
class MemorySolution:
    """t (n_t,), F (n_t, ...), M (n_t, ...) of a solved memory equation."""

    t: np.ndarray
    F: np.ndarray
    M: np.ndarray

    def plot(self, ax=None, index=None, **kw):
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        f = self.F if index is None else self.F[:, index]
        ax.semilogx(self.t, f, **kw)
        ax.set_xlabel("t")
        ax.set_ylabel("F(t)")
        return ax


def solve_memory_equation(F0, gamma, kernel, *, alpha=0.0, beta=1.0, t_max: float = 1e10,
                          h0: float = 1e-12, n: int = 128, tol: float = 1e-10,
                          max_iterations: int = 10000, uniform: bool = False) -> MemorySolution:
    """Solve the memory equation from F(0) = F0 (and F'(0) = 0 when alpha > 0) up to ``t_max``.

    Parameters
    ----------
    F0, gamma, alpha, beta : scalars or arrays of F's shape.
    kernel : callable (F, t) -> M.
    h0 : initial time step; the first half block follows the short-time solution.
    n : points per block (even, >= 16).
    tol : fixed-point tolerance on max |F_i^(new) - F_i^(old)|.
    uniform : never decimate (plain uniform-grid solver).
    """
    F0 = np.asarray(F0, dtype=float)
    gamma = np.broadcast_to(np.asarray(gamma, dtype=float), F0.shape)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), F0.shape)
    beta = np.broadcast_to(np.asarray(beta, dtype=float), F0.shape)
    if n < 16 or n % 2:
        raise ValueError("n must be even and >= 16")
    if np.any((alpha == 0) & (beta == 0)):
        raise ValueError("alpha and beta cannot both vanish")
    if not np.all(np.isfinite(F0)):
        raise ValueError("F0 contains NaN or inf")
    half = n // 2
    h = float(h0)
    if uniform and (n - 1) * h < t_max:
        raise ValueError(f"the uniform solver reaches only t = {(n - 1) * h:.3g} < t_max = {t_max:.3g}: "
                         f"raise n or h0, or lower t_max")
    shape = (n,) + F0.shape
    F = np.empty(shape)
    M = np.empty(shape)
    dF = np.empty(shape)
    dM = np.empty(shape)
    # short-time solution on the first 4 points, the rest of the first block is solved
    newtonian = alpha > 0
    start = 4
    for i in range(start):
        t = i * h
        short_brownian = F0 * np.exp(-gamma * t / np.where(newtonian, 1.0, beta))
        short_newton = F0 * (1.0 - 0.5 * gamma * t * t / np.where(newtonian, alpha, 1.0))
        F[i] = np.where(newtonian, short_newton, short_brownian)
        M[i] = kernel(F[i], t)
    for i in range(1, start):
        dF[i] = 0.5 * (F[i - 1] + F[i])
        dM[i] = 0.5 * (M[i - 1] + M[i])
    ts, Fs, Ms = [np.arange(start) * h], [F[:start].copy()], [M[:start].copy()]
    while True:
        for i in range(start, n):
            t = i * h
            ib = i // 2
            a2, b1 = alpha / (h * h), beta / (2 * h)
            known = (a2 * (-5 * F[i - 1] + 4 * F[i - 2] - F[i - 3])
                     + b1 * (-4 * F[i - 1] + F[i - 2])
                     - M[i - ib] * F[ib]
                     + np.sum((F[2:ib + 1] - F[1:ib]) * dM[i - 1:i - ib:-1], axis=0)
                     + np.sum((M[2:i - ib + 1] - M[1:i - ib]) * dF[i - 1:ib:-1], axis=0)
                     + 0.5 * (F[1] - F[0]) * M[i - 1]
                     + 0.5 * (M[1] - M[0]) * F[i - 1])
            denom = 2 * a2 + 3 * b1 + gamma + M[0] + 0.5 * (M[1] - M[0])
            fi = F[i - 1].copy()
            for _ in range(max_iterations):
                mi = kernel(fi, t)
                new = -(known + 0.5 * (F[1] - F[0]) * mi) / denom
                delta = np.max(np.abs(new - fi))
                fi = new
                if delta < tol:
                    break
            else:
                raise RuntimeError(f"memory equation: no convergence at t = {t:.3g}")
            F[i] = fi
            M[i] = kernel(fi, t)
            dF[i] = 0.5 * (F[i - 1] + F[i])
            dM[i] = 0.5 * (M[i - 1] + M[i])
        ts.append(np.arange(start, n) * h)
        Fs.append(F[start:].copy())
        Ms.append(M[start:].copy())
        if ts[-1][-1] >= t_max:
            break
        # decimation: keep every other point, average the interval moments
        F[:half] = F[0:n:2]
        M[:half] = M[0:n:2]
        dF[1:half] = 0.5 * (dF[1:n - 1:2] + dF[2:n:2])
        dM[1:half] = 0.5 * (dM[1:n - 1:2] + dM[2:n:2])
        h *= 2
        start = half
    t = np.concatenate(ts)
    keep = t <= t_max * (1 + 1e-12)
    return MemorySolution(t[keep], np.concatenate(Fs)[keep], np.concatenate(Ms)[keep])
