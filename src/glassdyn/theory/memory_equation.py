"""Memory-equation solvers:  alpha F'' + beta F' + gamma F + int_0^t M(t - s) F'(s) ds = 0.

``solve_memory_equation`` uses the time-doubling (decimation) algorithm of Fuchs, Goetze, Hofacker
and Latz (J. Phys. C 1991), as used by Flenner and Szamel: blocks of ``n`` points with step h; the
second half of each block (all but 4 short-time points of the first) is solved implicitly (fixed-point iteration on F_i and M_i = kernel(F_i)),
then the grid is halved (h -> 2h) keeping interval averages of F and M, so 20 decades cost
~66 blocks.  ``uniform=True`` keeps h fixed (plain solver, for cross-checks on short times).

Discretisation at step i (ib = i // 2), with dF_j, dM_j the averages over [t_{j-1}, t_j] (trapezoid
on the first block, exact averages of the finer grid after each decimation): split the convolution
at t_ib and integrate the recent part by parts,

    int_0^{t_i} M(t_i - s) F'(s) ds = M_0 F_i - M_{i-ib} F_ib + int_0^{t_ib} M(t_i - s) F'(s) ds
                                      + int_0^{t_i - t_ib} M'(u) F(t_i - u) du,

sum the two integrals interval by interval with one factor replaced by its interval average, except
on the first interval of each, where the other factor is interpolated linearly:

    int_0^h M'(u) F(t_i - u) du ~ (M_1 - M_0) F_i + (M_1 - dM_1)(F_{i-1} - F_i)

(and the mirror term for F'(s) on [0, h]).  This reduces to the trapezoidal Fuchs scheme when M and
F are linear over the first interval, is exact for constant M, and stays right when the memory
decays within one (late, coarse) step while F still varies (the Markov limit int M dt F'): the plain
Fuchs form turns that into a spurious friction M_0 h / 2, which froze tagged correlators at small k.
Second-order backward differences give F' and F''.

F may be a scalar or a vector (e.g. one entry per wave number) with elementwise alpha, beta, gamma,
or, with ``matrix=True``, a stack of s x s matrices (..., s, s) (species), where gamma and M act by
matrix products from the left (alpha, beta stay scalars per stack entry).  The kernel is any
callable ``kernel(F, t) -> M`` of F's shape.

``solve_given_memory`` is the same scheme for a memory known in advance as a function of time
(no self-consistency): the whole grid is evaluated at once and integrated by a compiled loop, fast
enough for evolutionary fits that solve the equation thousands of times.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["MemorySolution", "solve_memory_equation", "solve_given_memory", "time_grid"]


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


def time_grid(h0: float, n: int, t_max: float) -> np.ndarray:
    """The output times of the time-doubling solver: i h0 (i < n), then i h0 2^b (n/2 <= i < n)."""
    half = n // 2
    ts = [np.arange(n) * h0]
    h = h0
    while ts[-1][-1] < t_max:
        h *= 2
        ts.append(np.arange(half, n) * h)
    t = np.concatenate(ts)
    return t[t <= t_max * (1 + 1e-12)]


def _check_common(F0, n, alpha, beta):
    if n < 16 or n % 2:
        raise ValueError("n must be even and >= 16")
    if np.any((np.asarray(alpha) == 0) & (np.asarray(beta) == 0)):
        raise ValueError("alpha and beta cannot both vanish")
    if not np.all(np.isfinite(F0)):
        raise ValueError("F0 contains NaN or inf")


def solve_memory_equation(F0, gamma, kernel, *, alpha=0.0, beta=1.0, t_max: float = 1e10,
                          h0: float = 1e-12, n: int = 128, tol: float = 1e-10,
                          max_iterations: int = 10000, uniform: bool = False,
                          matrix: bool = False) -> MemorySolution:
    """Solve the memory equation from F(0) = F0 (and F'(0) = 0 when alpha > 0) up to ``t_max``.

    Parameters
    ----------
    F0 : scalar, array (elementwise), or (..., s, s) matrices with ``matrix=True``.
    gamma : like F0 (matrices act from the left with ``matrix=True``).
    alpha, beta : scalars or arrays broadcastable to F0's shape (to (...) for matrices).
    kernel : callable (F, t) -> M of F's shape.
    h0 : initial time step; the first 4 points follow the short-time solution.
    n : points per block (even, >= 16).
    tol : fixed-point tolerance on max |F_i^(new) - F_i^(old)|.
    uniform : never decimate (plain uniform-grid solver).
    """
    F0 = np.asarray(F0, dtype=float)
    if matrix:
        if F0.ndim < 2 or F0.shape[-1] != F0.shape[-2]:
            raise ValueError("with matrix=True, F0 must have shape (..., s, s)")
        eye = np.eye(F0.shape[-1])
        lead = F0.shape[:-2]
        gamma = np.broadcast_to(np.asarray(gamma, dtype=float), F0.shape)
        alpha = np.broadcast_to(np.asarray(alpha, dtype=float), lead)[..., None, None] * eye
        beta = np.broadcast_to(np.asarray(beta, dtype=float), lead)[..., None, None] * eye
        mul = np.matmul

        def solve(a, b):
            return np.linalg.solve(a, b)

        def mat_sum(a, b):  # sum_j a_j b_j over the leading axis
            return np.matmul(a, b).sum(axis=0)
    else:
        gamma = np.broadcast_to(np.asarray(gamma, dtype=float), F0.shape)
        alpha = np.broadcast_to(np.asarray(alpha, dtype=float), F0.shape)
        beta = np.broadcast_to(np.asarray(beta, dtype=float), F0.shape)
        mul = np.multiply

        def solve(a, b):
            return b / a

        def mat_sum(a, b):
            return np.sum(a * b, axis=0)
    _check_common(F0, n, np.diagonal(alpha, axis1=-2, axis2=-1) if matrix else alpha,
                  np.diagonal(beta, axis1=-2, axis2=-1) if matrix else beta)
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
    # short-time solution on the first 4 points (F'(0) = 0 when alpha > 0; F' = -gamma F0 / beta
    # when alpha = 0), to first order in t; the rest of the first block is solved
    newtonian = np.any(alpha > 0)
    start = 4
    for i in range(start):
        t = i * h
        if newtonian:
            F[i] = F0 - 0.5 * t * t * solve(alpha, mul(gamma, F0))
        else:
            F[i] = F0 - t * solve(beta, mul(gamma, F0))
        M[i] = kernel(F[i], t)
    for i in range(1, start):
        dF[i] = 0.5 * (F[i - 1] + F[i])
        dM[i] = 0.5 * (M[i - 1] + M[i])
    ts, Fs, Ms = [np.arange(start) * h], [F[:start].copy()], [M[:start].copy()]
    while True:
        a2, b1 = alpha / (h * h), beta / (2 * h)
        for i in range(start, n):
            t = i * h
            ib = i // 2
            known = (mul(a2, -5 * F[i - 1] + 4 * F[i - 2] - F[i - 3])
                     + mul(b1, -4 * F[i - 1] + F[i - 2])
                     - mul(M[i - ib], F[ib])
                     + mat_sum(dM[i - 1:i - ib:-1], F[2:ib + 1] - F[1:ib])
                     + mat_sum(M[2:i - ib + 1] - M[1:i - ib], dF[i - 1:ib:-1])
                     + mul(M[i - 1], F[1] - dF[1])
                     + mul(M[1] - dM[1], F[i - 1]))
            denom = 2 * a2 + 3 * b1 + gamma + dM[1]
            fi = 2 * F[i - 1] - F[i - 2]  # linear extrapolation as the first guess
            for _ in range(max_iterations):
                mi = kernel(fi, t)
                new = solve(denom, -(known + mul(mi, dF[1] - F[0])))
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


@numba.njit(cache=True, inline="always")
def _addmul(out, A, B, scale):
    """out += scale * A @ B for small s x s matrices, without temporaries."""
    s = out.shape[0]
    for a in range(s):
        for b in range(s):
            acc = 0.0
            for c in range(s):
                acc += A[a, c] * B[c, b]
            out[a, b] += scale * acc


@numba.njit(cache=True)
def _given_memory_loop(F0, gamma, alpha, beta, Mgrid, h0, n):
    """Compiled time doubling for a known memory Mgrid (T, s, s) on time_grid(h0, n, .)."""
    T = Mgrid.shape[0]
    s = F0.shape[0]
    half = n // 2
    out = np.empty((T, s, s))
    F = np.empty((n, s, s))
    M = np.empty((n, s, s))
    dF = np.empty((n, s, s))
    dM = np.empty((n, s, s))
    known = np.empty((s, s))
    diff = np.empty((s, s))
    denom = np.empty((s, s))
    h = h0
    start = 4
    newtonian = alpha > 0
    g0 = gamma @ F0
    for i in range(start):
        t = i * h
        if newtonian:
            F[i] = F0 - 0.5 * t * t * g0 / alpha
        else:
            F[i] = F0 - t * g0 / beta
        M[i] = Mgrid[i]
        out[i] = F[i]
    for i in range(1, start):
        dF[i] = 0.5 * (F[i - 1] + F[i])
        dM[i] = 0.5 * (M[i - 1] + M[i])
    pos = start
    while pos < T:
        a2 = alpha / (h * h)
        b1 = beta / (2 * h)
        for i in range(start, n):
            if pos >= T:
                break
            M[i] = Mgrid[pos]
            ib = i // 2
            for a in range(s):
                for b in range(s):
                    known[a, b] = (a2 * (-5 * F[i - 1, a, b] + 4 * F[i - 2, a, b] - F[i - 3, a, b])
                                   + b1 * (-4 * F[i - 1, a, b] + F[i - 2, a, b]))
            _addmul(known, M[i - ib], F[ib], -1.0)
            diff[:, :] = dF[1] - F[0]
            _addmul(known, M[i], diff, 1.0)
            diff[:, :] = F[1] - dF[1]
            _addmul(known, M[i - 1], diff, 1.0)
            diff[:, :] = M[1] - dM[1]
            _addmul(known, diff, F[i - 1], 1.0)
            for j in range(2, ib + 1):
                diff[:, :] = F[j] - F[j - 1]
                _addmul(known, dM[i - j + 1], diff, 1.0)
            for j in range(2, i - ib + 1):
                diff[:, :] = M[j] - M[j - 1]
                _addmul(known, diff, dF[i - j + 1], 1.0)
            for a in range(s):
                for b in range(s):
                    denom[a, b] = gamma[a, b] + dM[1, a, b] + ((2 * a2 + 3 * b1) if a == b else 0.0)
            if s == 1:
                F[i, 0, 0] = -known[0, 0] / denom[0, 0]
            else:
                F[i] = np.linalg.solve(denom, -known)
            dF[i] = 0.5 * (F[i - 1] + F[i])
            dM[i] = 0.5 * (M[i - 1] + M[i])
            out[pos] = F[i]
            pos += 1
        for j in range(half):
            F[j] = F[2 * j]
            M[j] = M[2 * j]
        for j in range(1, half):
            dF[j] = 0.5 * (dF[2 * j - 1] + dF[2 * j])
            dM[j] = 0.5 * (dM[2 * j - 1] + dM[2 * j])
        h *= 2
        start = half
    return out


def solve_given_memory(F0, gamma, memory, *, alpha: float = 0.0, beta: float = 1.0,
                       t_max: float = 1e5, h0: float = 1e-6, n: int = 64) -> MemorySolution:
    """Solve the memory equation for a known memory ``memory(t) -> (T, s, s)`` (or (T,) scalar).

    F0, gamma: scalars or (s, s) matrices.  One compiled pass, no iteration.
    """
    F0 = np.asarray(F0, dtype=float)
    scalar = F0.ndim == 0
    F0m = F0.reshape(1, 1) if scalar else F0
    gam = np.asarray(gamma, dtype=float).reshape(F0m.shape)
    _check_common(F0m, n, alpha, beta)
    t = time_grid(h0, n, t_max)
    Mg = np.asarray(memory(t), dtype=float).reshape(t.size, *F0m.shape)
    out = _given_memory_loop(np.ascontiguousarray(F0m), np.ascontiguousarray(gam), float(alpha),
                             float(beta), np.ascontiguousarray(Mg), float(h0), int(n))
    if scalar:
        return MemorySolution(t, out[:, 0, 0], Mg[:, 0, 0])
    return MemorySolution(t, out, Mg)
