"""Memory-equation solvers:  alpha F'' + beta F' + gamma F + int_0^t M(t - s) F'(s) ds = 0.

``solve_memory_equation`` uses the time-doubling (decimation) algorithm of Fuchs, Goetze, Hofacker
and Latz (J. Phys. C 1991), as used by Flenner and Szamel: blocks of ``n`` points with step h; the
second half of each block (all but 4 short-time points of the first) is solved implicitly (fixed-point iteration on F_i and M_i = kernel(F_i)),
then the grid is halved (h -> 2h) keeping interval averages of F and M, so 20 decades cost
~66 blocks.  ``uniform=True`` keeps h fixed (plain solver, for cross-checks on short times).

Discretisation at step i (ib = i // 2), with dF_j, dM_j the averages over [t_{j-1}, t_j] (trapezoid
on the first block, exact averages of the finer grid after each decimation): split the convolution
at t_ib, integrate the early part by parts and keep the late part,

    int_0^{t_i} M(t_i - s) F'(s) ds = M_{i-ib} F_ib - M_i F_0 + int_0^{t_ib} M'(t_i - s) F(s) ds
                                      + int_0^{t_i - t_ib} M(u) F'(t_i - u) du
      ~ M_{i-ib} F_ib - M_i F_0 + sum_{j=1}^{ib} (M_{i-j+1} - M_{i-j}) dF_j
                                + sum_{j=1}^{i-ib} dM_j (F_{i-j+1} - F_{i-j}),

so each function enters through its interval averages where it is short-time (s or u near 0,
where the coarse grid no longer resolves it and the averages are exact) and through differences
where it is smooth on the grid (near t_i): the error is O(h^2) at every time, i.e. it falls as
1/n^2 with the block size (tested).  This is the scheme of Fuchs et al. and of Flenner and Szamel's
appendix.  The j = 1 terms hold F_i (through dM_1) and M_i (through dF_1 - F_0), which are solved
for; second-order backward differences give F' and F''.  The history sums are compiled.

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

from ..errors import ConvergenceError

__all__ = ["MemorySolution", "solve_memory_equation", "solve_given_memory", "time_grid"]


@dataclass
class MemorySolution:
    """t (n_t,), F (n_t, ...), M (n_t, ...) of a solved memory equation; h0 and n of its
    :func:`time_grid`."""

    t: np.ndarray
    F: np.ndarray
    M: np.ndarray
    h0: float | None = None
    n: int | None = None

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


def _fixed_point(step, x, tol, max_iterations, depth, t):
    """Solve x = g(x), ``step(x) -> (g(x), m)``, to max |g(x) - x| < tol with Anderson mixing of
    the last ``depth`` iterates (``depth=0``: plain iteration).  Returns (g(x), m(x)).

    Near the plateau of a nearly critical state the plain iteration contracts by the MCT
    stability eigenvalue (-> 1 at the transition); Anderson mixing removes that slow mode."""
    gs, rs = [], []
    for _ in range(max_iterations):
        g, m = step(x)
        r = g - x
        if np.max(np.abs(r)) < tol:
            return g, m
        gs.append(g.ravel())
        rs.append(r.ravel())
        del gs[:-depth - 1], rs[:-depth - 1]
        if len(rs) == 1:  # plain step (first iterate, or depth 0)
            x = g
            continue
        dR = np.diff(np.array(rs), axis=0)
        dG = np.diff(np.array(gs), axis=0)
        coef = np.linalg.lstsq(dR.T, rs[-1], rcond=None)[0]
        x = (gs[-1] - coef @ dG).reshape(g.shape)
    raise ConvergenceError(f"memory equation: no convergence at t = {t:.3g} in {max_iterations} iterations "
                           f"(raise max_iterations or the block size n)")


def solve_memory_equation(F0, gamma, kernel, *, alpha=0.0, beta=1.0, t_max: float = 1e10,
                          h0: float = 1e-12, n: int = 128, tol: float = 1e-10,
                          max_iterations: int = 10000, uniform: bool = False,
                          matrix: bool = False, anderson: int = 2) -> MemorySolution:
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
    anderson : depth of the Anderson mixing of the fixed-point iteration at each step (0: plain).
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
    else:
        gamma = np.broadcast_to(np.asarray(gamma, dtype=float), F0.shape)
        alpha = np.broadcast_to(np.asarray(alpha, dtype=float), F0.shape)
        beta = np.broadcast_to(np.asarray(beta, dtype=float), F0.shape)
        mul = np.multiply

        def solve(a, b):
            return b / a
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
    flat = (n, -1, F0.shape[-1], F0.shape[-1]) if matrix else (n, -1)
    views = [a.reshape(flat) for a in (F, M, dF, dM)]
    past = np.empty(views[0].shape[1:])
    _history = _history_matrix if matrix else _history_elementwise
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
                     + _history(*views, i, ib, past).reshape(F0.shape))
            denom = 2 * a2 + 3 * b1 + gamma + dM[1]
            inverse = np.linalg.inv(denom) if matrix else 1.0 / denom
            c2 = dF[1] - F[0]

            def step(f):
                m = kernel(f, t)
                return mul(inverse, -(known + mul(m, c2))), m

            # quadratic extrapolation as the first guess
            fi, mi = _fixed_point(step, 3 * (F[i - 1] - F[i - 2]) + F[i - 3], tol, max_iterations,
                                  anderson, t)
            F[i] = fi
            M[i] = mi  # the memory of the last iterate but one: it differs from M[F_i] by O(tol)
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
    return MemorySolution(t[keep], np.concatenate(Fs)[keep], np.concatenate(Ms)[keep], h0=float(h0), n=int(n))


@numba.njit(cache=True)
def _history_elementwise(F, M, dF, dM, i, ib, out):
    """The known part of the convolution at step i (module docstring) for (n, m) elementwise
    histories: M_{i-ib} F_ib - M_{i-1} dF_1 - dM_1 F_{i-1} + the sums over j >= 2."""
    for x in range(F.shape[1]):
        acc = M[i - ib, x] * F[ib, x] - M[i - 1, x] * dF[1, x] - dM[1, x] * F[i - 1, x]
        for j in range(2, ib + 1):
            acc += (M[i - j + 1, x] - M[i - j, x]) * dF[j, x]
        for j in range(2, i - ib + 1):
            acc += dM[j, x] * (F[i - j + 1, x] - F[i - j, x])
        out[x] = acc
    return out


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
def _history_matrix(F, M, dF, dM, i, ib, out):
    """As :func:`_history_elementwise` for (n, L, s, s) histories, M acting from the left."""
    L, s = F.shape[1], F.shape[2]
    out[:] = 0.0
    for x in range(L):
        for a in range(s):
            for b in range(s):
                acc = 0.0
                for c in range(s):
                    acc += (M[i - ib, x, a, c] * F[ib, x, c, b] - M[i - 1, x, a, c] * dF[1, x, c, b]
                            - dM[1, x, a, c] * F[i - 1, x, c, b])
                out[x, a, b] = acc
    for j in range(2, ib + 1):
        for x in range(L):
            for a in range(s):
                for c in range(s):
                    d = M[i - j + 1, x, a, c] - M[i - j, x, a, c]
                    for b in range(s):
                        out[x, a, b] += d * dF[j, x, c, b]
    for j in range(2, i - ib + 1):
        for x in range(L):
            for a in range(s):
                for c in range(s):
                    d = dM[j, x, a, c]
                    for b in range(s):
                        out[x, a, b] += d * (F[i - j + 1, x, c, b] - F[i - j, x, c, b])
    return out


@numba.njit(cache=True)
def _given_memory_loop(F0, gamma, alpha, beta, delta, Mgrid, h0, n):
    """Compiled time doubling for a known memory Mgrid (T, s, s) on time_grid(h0, n, .), source
    term delta (s, s)."""
    T = Mgrid.shape[0]
    s = F0.shape[0]
    half = n // 2
    out = np.empty((T, s, s))
    F = np.empty((n, s, s))
    M = np.empty((n, s, s))
    dF = np.empty((n, s, s))
    dM = np.empty((n, s, s))
    known = np.empty((1, s, s))
    diff = np.empty((s, s))
    denom = np.empty((s, s))
    views = (F.reshape((n, 1, s, s)), M.reshape((n, 1, s, s)), dF.reshape((n, 1, s, s)),
             dM.reshape((n, 1, s, s)))
    h = h0
    start = 4
    newtonian = alpha > 0
    g0 = gamma @ F0 + delta
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
            _history_matrix(views[0], views[1], views[2], views[3], i, i // 2, known)
            for a in range(s):
                for b in range(s):
                    known[0, a, b] += (a2 * (-5 * F[i - 1, a, b] + 4 * F[i - 2, a, b] - F[i - 3, a, b])
                                      + b1 * (-4 * F[i - 1, a, b] + F[i - 2, a, b]) + delta[a, b])
            diff[:, :] = dF[1] - F[0]
            _addmul(known[0], M[i], diff, 1.0)
            for a in range(s):
                for b in range(s):
                    denom[a, b] = gamma[a, b] + dM[1, a, b] + ((2 * a2 + 3 * b1) if a == b else 0.0)
            if s == 1:
                F[i, 0, 0] = -known[0, 0, 0] / denom[0, 0]
            else:
                F[i] = np.linalg.solve(denom, -known[0])
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


def solve_given_memory(F0, gamma, memory, *, alpha: float = 0.0, beta: float = 1.0, delta=0.0,
                       t_max: float = 1e5, h0: float = 1e-6, n: int = 64) -> MemorySolution:
    """Solve alpha F'' + beta F' + gamma F + delta + int M F' = 0 for a known memory
    ``memory(t) -> (T, s, s)`` (or (T,) scalar) on :func:`time_grid` (h0, n, t_max).

    F0, gamma, delta: scalars or (s, s) matrices (delta, a constant source: -2 d D for the mean
    squared displacement).  One compiled pass, no iteration.
    """
    F0 = np.asarray(F0, dtype=float)
    scalar = F0.ndim == 0
    F0m = F0.reshape(1, 1) if scalar else F0
    gam = np.asarray(gamma, dtype=float).reshape(F0m.shape)
    source = np.broadcast_to(np.asarray(delta, dtype=float), F0m.shape)
    _check_common(F0m, n, alpha, beta)
    t = time_grid(h0, n, t_max)
    Mg = np.asarray(memory(t), dtype=float).reshape(t.size, *F0m.shape)
    out = _given_memory_loop(np.ascontiguousarray(F0m), np.ascontiguousarray(gam), float(alpha),
                             float(beta), np.ascontiguousarray(source), np.ascontiguousarray(Mg), float(h0),
                             int(n))
    if scalar:
        return MemorySolution(t, out[:, 0, 0], Mg[:, 0, 0], h0=float(h0), n=int(n))
    return MemorySolution(t, out, Mg, h0=float(h0), n=int(n))
