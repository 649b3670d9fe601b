"""The exact memory kernel of a measured correlator: Volterra inversion of the memory equation.

    alpha F'' + beta F' + Omega^2 F + int_0^t M(u) F'(t - u) du = 0

is a Volterra equation of the first kind for M.  Read backwards, the forward solver's
trapezoid-like rule (M at the grid points) is only weakly stable: an error alternates in sign from
step to step and the time doubling amplifies it (measured: a 1e-3 start error grew 3x per
doubling).  The inversion therefore takes the interval averages Mbar_j of M as unknowns, the
midpoint (product) rule, which is stable for first-kind equations:

    int_0^{t_i} M(u) F'(t_i - u) du ~ sum_{j=1}^{ib} Mbar_{i-j+1} (F_j - F_{j-1})
                                     + sum_{j=1}^{i-ib} Mbar_j (F_{i-j+1} - F_{i-j}),   ib = i // 2,

each short-time function by its exact interval integral (F differences near s = 0, Mbar near
u = 0) against the other, smooth there.  Step i holds the unknown Mbar_i only through
Mbar_i (F_1 - F_0), so it follows explicitly; the time doubling keeps F at every other point and
the exact averages of Mbar.  F, F' and F'' come from a smooth curve through the data: a monotone
cubic in log t (PCHIP) through exact data, a cubic smoothing spline through noisy data and, on
[0, t_1] before the first measured time, the exact solution for a constant memory M0 through
F(t_1) (M before t_1 is not measured; a wiggly start there made the marching blow up).
Mbar_i is reported at the interval's midpoint.

The error estimate has two parts: the discretisation (the inversion repeated with half the block
size) and the noise (``noise`` > 0: repeated on ``realizations`` copies of the data with Gaussian
noise of that standard deviation added).
"""
from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator, UnivariateSpline
from scipy.linalg import solve_triangular
from scipy.optimize import brentq

from ..results import Result
from .memory_equation import time_grid

__all__ = ["MemoryInversion", "convolution_matrix", "memory_from_data"]


def convolution_matrix(t, F, *, h0: float, n: int):
    """The discretised convolution as a matrix: row i - 1 of A (n_t - 1, n_t - 1) gives
    int_0^{t_i} M(u) F'(t_i - u) du = sum_p A[i - 1, p] Mbar_p for the interval averages Mbar_p of M
    on [t_p, t_{p+1}] of time_grid(h0, n, .) (t, F (n_t,)).  Returns (interval midpoints, A)."""
    n_t = t.size
    half = n // 2
    U = n_t - 1
    Fn = np.zeros(n)
    rows = np.zeros((n, U))  # rows[j]: Mbar of grid slot j as a combination of the unknowns
    A = np.zeros((U, U))
    mid = np.empty(U)
    h = float(h0)
    Fn[0] = F[0]
    pos, first = 1, 1
    while pos < n_t:
        for i in range(first, n):
            if pos >= n_t:
                break
            Fn[i] = F[pos]
            rows[i] = 0.0
            rows[i, pos - 1] = 1.0
            ib = i // 2
            row = rows[i] * (Fn[1] - Fn[0])
            if ib >= 2:  # sum_{j=2}^{ib} Mbar_{i-j+1} (F_j - F_{j-1})
                row += np.diff(Fn[1:ib + 1]) @ rows[i - 1:i - ib:-1]
            if ib >= 1:  # sum_{j=1}^{i-ib} Mbar_j (F_{i-j+1} - F_{i-j})
                row += (Fn[i:ib:-1] - Fn[i - 1:ib - 1:-1]) @ rows[1:i - ib + 1]
            A[pos - 1] = row
            mid[pos - 1] = t[pos] - 0.5 * h
            pos += 1
        Fn[:half] = Fn[0:n:2]
        rows[1:half] = 0.5 * (rows[1:n - 1:2] + rows[2:n:2])
        h *= 2
        first = half
    return mid, A


def _log_curvature(x_mid):
    """L: the second difference in log t of a function on ``x_mid``, rows scaled to the local spacing."""
    d = np.diff(np.log(x_mid))
    rows = np.arange(x_mid.size - 2)
    w1, w2 = 1 / d[:-1], 1 / d[1:]
    L = np.zeros((x_mid.size - 2, x_mid.size))
    L[rows, rows], L[rows, rows + 1], L[rows, rows + 2] = w1, -(w1 + w2), w2
    return L * np.sqrt(0.5 * (d[:-1] + d[1:]))[:, None]


def _tikhonov(A, b, L, lams):
    """argmin |A x - b|^2 + lam^2 |L x|^2 for the strength that minimises generalised
    cross-validation, |A x - b|^2 / (rows - trace of the influence matrix)^2, among ``lams`` (one
    value: that one).  One SVD of the stacked [A; lam L] per strength gives both the solution (least
    squares: the normal equations would square the condition) and the trace.  Returns (x, lam)."""
    rhs = np.concatenate([b, np.zeros(L.shape[0])])
    best = (np.inf, None, None)
    for lam in np.atleast_1d(lams):
        U, sv, Vt = np.linalg.svd(np.vstack([A, lam * L]), full_matrices=False)
        x = Vt.T @ ((U.T @ rhs) / sv)
        Ua = U[:A.shape[0]]
        score = np.sum((A @ x - b) ** 2) / (b.size - np.sum(Ua * Ua)) ** 2
        if score < best[0]:
            best = (score, x, float(lam))
    return best[1], best[2]


class _Curve:
    """Smooth F(log t) through the data, one cubic per component: PCHIP through exact data, or the
    cubic smoothing spline with residual sum of squares T noise^2 through noisy data."""

    def __init__(self, logt, F, noise):
        if noise > 0:
            self.parts = [UnivariateSpline(logt, F[:, c], k=3, s=logt.size * noise**2) for c in range(F.shape[1])]
        else:
            self.parts = [PchipInterpolator(logt, F[:, c], extrapolate=True) for c in range(F.shape[1])]

    def __call__(self, x, order=0):
        return np.stack([p.derivative(order)(x) if order else p(x) for p in self.parts], axis=-1)


def _constant_memory(e, F0, omega2, m0, alpha, beta):
    """(F, F', F'') at times e of the memory equation with the constant memory m0 (scalars)."""
    rate = omega2 + m0
    amp = F0 * omega2 / rate
    if alpha > 0:  # alpha F'' + Omega^2 F + m0 (F - F0) = 0, F'(0) = 0
        w = np.sqrt(rate / alpha)
        return F0 - amp * (1 - np.cos(w * e)), -amp * w * np.sin(w * e), -amp * w * w * np.cos(w * e)
    lam = rate / beta  # beta F' + Omega^2 F + m0 (F - F0) = 0
    x = np.exp(-lam * e)
    return F0 - amp * (1 - x), -amp * lam * x, amp * lam * lam * x


def _short_time(s, F0, F1, t1, omega2, alpha, beta):
    """(F, F', F'') (len(s), m) on [0, t_1]: the constant-memory solution through F(t_1) = F1, its
    memory M0 found by root search (the data carry no information on M before t_1).  A data point
    above what any M0 >= 0 reaches (Newtonian: F(t_1) > F0 cos-limit) keeps M0 at the bound."""
    out = [np.empty((s.size, F0.size)) for _ in range(3)]
    for c in range(F0.size):
        def gap(m0, c=c):
            return float(_constant_memory(t1, F0[c], omega2[c], m0, alpha, beta)[0] - F1[c])

        hi = 1.0
        while gap(hi) < 0 and hi < 1e15:
            hi *= 10
        m0 = brentq(gap, 0.0, hi) if gap(0.0) < 0 < gap(hi) else (0.0 if gap(0.0) >= 0 else hi)
        for q, v in enumerate(_constant_memory(s, F0[c], omega2[c], m0, alpha, beta)):
            out[q][:, c] = v
    return out


def _interpolant(t, F, F0, omega2, alpha, beta, noise=0.0):
    """(F, F', F'') at any times >= 0: on [0, t_1] the constant-memory solution through F(t_1)
    (:func:`_short_time`), beyond it the smooth curve through the data in log t (:class:`_Curve`)."""
    logt = np.log(t)
    curve = _Curve(logt, F, noise)
    t1 = t[0]
    F1 = curve(logt[:1])[0]

    def evaluate(s):
        s = np.asarray(s, dtype=float)
        late = s >= t1
        out = [np.empty((s.size, F.shape[1])) for _ in range(3)]
        x = np.log(s[late])
        p1 = curve(x, 1)
        out[0][late], out[1][late] = curve(x), p1 / s[late, None]
        out[2][late] = (curve(x, 2) - p1) / s[late, None] ** 2
        for q, v in enumerate(_short_time(s[~late], F0, F1, t1, omega2, alpha, beta)):
            out[q][~late] = v
        return out

    return evaluate


class MemoryInversion(Result):
    """Exact memory M(t) of a measured correlator with its error estimate (module docstring).

    ``t`` (n_t,) the interval midpoints of the time-doubling grid, ``M`` (n_t, m) the interval
    averages of M, ``error`` (n_t, m) (discretisation and noise in quadrature),
    ``error_discretisation``, ``error_noise``; ``F`` (n_t, m) the interpolated data there;
    ``measured`` the time range of the data (outside it M rests on the interpolant)."""

    name = "memory_inversion"
    panels = 2

    def __init__(self, t, F, M, error_discretisation, error_noise, measured, parameters, data=None):
        self.t, self.F, self.M = t, F, M
        self.error_discretisation, self.error_noise = error_discretisation, error_noise
        self.error = np.sqrt(error_discretisation**2 + error_noise**2)
        self.measured = measured
        self.parameters = parameters
        self.data = data

    def arrays(self) -> dict:
        return dict(t=self.t, F=self.F, M=self.M, error=self.error, error_discretisation=self.error_discretisation,
                    error_noise=self.error_noise, measured=np.asarray(self.measured))

    def within(self) -> np.ndarray:
        """Mask of the times inside the measured range."""
        return (self.t >= self.measured[0]) & (self.t <= self.measured[1])

    def determined(self) -> np.ndarray:
        """Mask (n_t, m): where the error estimate is below |M| (elsewhere M is undetermined)."""
        return self.error < np.abs(self.M)

    def summary(self) -> str:
        w = self.within()
        rel = np.median(self.error[w] / np.maximum(np.abs(self.M[w]), 1e-300), axis=0)
        ok = self.determined()[w]
        first = ", ".join(f"{v:.4g}" if d else "undetermined" for v, d in zip(self.M[w][0], ok[0]))
        text = (f"memory by Volterra inversion: {w.sum()} times in the measured range "
                f"[{self.measured[0]:.3g}, {self.measured[1]:.3g}]; M(t_1) = [{first}], "
                f"median relative error there {np.round(rel, 4).tolist()}")
        bad = (~ok).sum(axis=0)
        if bad.any():
            text += (f"; UNDETERMINED (error >= |M|) at {bad.tolist()} of {w.sum()} times: those values are not "
                     "measurements")
        return text

    def plot_memory(self, ax, component: int = 0, label: str = "exact (inversion)"):
        """M(t) with its 2-sigma band on one axes, over the measured range."""
        w = self.within()
        m, e = self.M[w, component], self.error[w, component]
        ax.loglog(self.t[w], np.abs(m), "k-", label=label)
        ax.fill_between(self.t[w], np.maximum(np.abs(m) - 2 * e, 1e-3), np.abs(m) + 2 * e, color="k", alpha=0.2)
        return ax

    def plot(self, ax=None):
        ax = self._axes(ax)
        w = self.within()
        for c in range(self.M.shape[1]):
            if self.data is not None:
                ax[0].semilogx(self.data[0], self.data[1][:, c], "o", ms=3)
            ax[0].semilogx(self.t[w], self.F[w, c], "-", label=f"F, component {c}")
            self.plot_memory(ax[1], c, label=f"|M|, component {c}")
        ax[0].set(xlabel="t", ylabel="F(t)")
        ax[1].set(xlabel="t", ylabel="M(t) (exact, by inversion)")
        ax[1].legend(fontsize=8)
        return ax


#: the fewest data points, and points per decade of time, the inversion accepts
MIN_POINTS, MIN_POINTS_PER_DECADE = 8, 3.0


def estimated_noise(F) -> np.ndarray:
    """Noise level of sampled correlators (T, m) from their third differences (robust: the median
    absolute value, Gaussian scaling sqrt(20)); smooth curves on a log grid give ~1e-4."""
    d3 = np.diff(np.asarray(F, dtype=float), n=3, axis=0)
    return np.median(np.abs(d3), axis=0) / (0.6745 * np.sqrt(20.0))


def check_correlator(t, F, F0, noise: float) -> None:
    """Refuse data that cannot determine a memory (ValueError naming the problem): F0 not finite and
    positive; fewer than MIN_POINTS points or MIN_POINTS_PER_DECADE per decade; F above F(0) beyond
    the noise; F that does not decay; noisy data (third-difference estimate > 1e-3 F0) given as exact."""
    if not np.all(np.isfinite(F0)) or np.any(F0 <= 0):
        raise ValueError(f"F0 must be finite and positive, got {np.asarray(F0).tolist()}")
    decades = np.log10(t[-1] / t[0])
    if t.size < MIN_POINTS or (decades > 0 and (t.size - 1) / decades < MIN_POINTS_PER_DECADE):
        raise ValueError(f"{t.size} data points over {decades:.2g} decades of time: the inversion needs at least "
                         f"{MIN_POINTS} points and {MIN_POINTS_PER_DECADE:g} per decade (the memory between them "
                         "would be the interpolant's, not the data's)")
    slack = np.maximum(1e-9 * F0, 3 * noise)
    above = np.flatnonzero((F > F0 + slack).any(axis=1))
    if above.size:
        raise ValueError(f"F rises above F(0) = {np.asarray(F0).tolist()} (first at t = {t[above[0]]:.4g}, "
                         f"F = {F[above[0]].tolist()}): not a correlator normalised by F0 (check F0 and the columns)")
    if np.any(F.min(axis=0) > F0 - np.maximum(0.01 * F0, 5 * noise)):
        raise ValueError("F does not decay within the data (it stays within 1 % of F(0) or within its noise): "
                         "the memory is undetermined; measure to longer times")
    est = estimated_noise(F)
    if noise == 0 and np.any(est > 1e-3 * F0):
        raise ValueError(f"the data look noisy (noise estimated from their third differences: "
                         f"{np.round(est, 6).tolist()}) but are treated as exact (noise = 0), which amplifies the "
                         f"noise without bound: give their noise level (--noise {float(est.max()):.2g})")


def memory_from_data(t, F, omega2, *, F0=1.0, alpha: float = 0.0, beta: float = 1.0, n: int = 64,
                     h0: float | None = None, noise: float = 0.0, realizations: int = 16,
                     seed: int = 0) -> MemoryInversion:
    """The exact memory of measured F(t) (Volterra inversion, module docstring).

    Parameters
    ----------
    t : (T,) increasing positive times of the data.
    F : (T,) or (T, m) the correlator (e.g. F_s(k_p, t) / F_s(k_p, 0)); F0 its value at t = 0.
    omega2 : Omega^2 (scalar or (m,)); alpha, beta as in the memory equation (overdamped: 0, 1).
    n : points per block of the time-doubling grid (even, >= 16); h0 its first step
        (default t_1 / 16).
    noise : standard deviation of the data's noise: the data are then smoothed (cubic spline in
        log t, residual T noise^2), the inversion regularised (Tikhonov on the second derivative of
        M in log t, strength by generalised cross-validation) and the noise part of the error
        estimated.  0 means exact data (a computed correlator): PCHIP, no regularisation -- on MD
        data that amplifies the noise without bound (give their noise level).
    """
    t = np.asarray(t, dtype=float)
    F = np.asarray(F, dtype=float)
    F2 = F.reshape(t.size, -1)
    if t.ndim != 1 or t.size < 4 or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be an increasing array of at least 4 positive times")
    if F2.shape[0] != t.size or not np.all(np.isfinite(F2)):
        raise ValueError("F must be finite with one row per time")
    m = F2.shape[1]
    omega2 = np.broadcast_to(np.asarray(omega2, dtype=float), (m,))
    if np.any(omega2 <= 0) or not np.all(np.isfinite(omega2)):
        raise ValueError(f"omega2 must be positive, got {omega2.tolist()}")
    if int(n) != n or n < 16 or n % 2:
        raise ValueError(f"n must be an even integer >= 16, got {n}")
    if noise < 0 or alpha < 0 or beta < 0 or alpha == beta == 0:
        raise ValueError("need noise >= 0, alpha >= 0, beta >= 0 and alpha + beta > 0")
    F0 = np.broadcast_to(np.asarray(F0, dtype=float), (m,))
    check_correlator(t, F2, F0, noise)
    h0 = t[0] / 16 if h0 is None else float(h0)

    def system(curve, blocks):
        """(midpoints, [weighted A, weighted b] per component) on the grid of ``blocks`` points."""
        step = h0 * n / blocks  # the same first-block span for every block size
        grid = time_grid(step, blocks, t[-1])
        Fg, dFg, ddFg = curve(grid)
        source = -(alpha * ddFg + beta * dFg + omega2 * Fg)
        out = []
        for c in range(m):
            mid, A = convolution_matrix(grid, Fg[:, c], h0=step, n=blocks)
            w = grid[1:, None]  # rows in units of F: t times the equation
            out.append((w * A, w[:, 0] * source[1:, c]))
        return mid, out

    def solve(curve, blocks, lams=None):
        mid, parts = system(curve, blocks)
        L = _log_curvature(mid)
        if lams is None:
            lams = [0.0 if noise == 0 else np.logspace(-6, 1, 15)] * m
        solutions = [(solve_triangular(A, b, lower=True), 0.0) if np.all(lam == 0) else _tikhonov(A, b, L, lam)
                     for (A, b), lam in zip(parts, lams)]
        return mid, np.stack([x for x, _ in solutions], axis=1), [lam for _, lam in solutions]

    def interpolant(data):
        return _interpolant(t, data, F0, omega2, alpha, beta, noise)

    curve = interpolant(F2)
    try:
        mid, M, lams = solve(curve, n)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"the inversion is singular ({exc}): the data do not determine a memory") from None
    coarse_t, coarse, _ = solve(curve, n // 2, lams)
    error_disc = np.abs(M - np.stack([np.interp(mid, coarse_t, coarse[:, c]) for c in range(m)], 1))
    # the data's own resolution: the same inversion from every other data point (the interpolant
    # between the points is a guess the grid refinement above cannot see)
    half = _interpolant(t[::2], F2[::2], F0, omega2, alpha, beta, noise) if t.size >= 2 * MIN_POINTS else None
    if half is not None:
        M_half = solve(half, n, lams)[1]
        error_disc = np.hypot(error_disc, np.abs(M - M_half))
    error_noise = np.zeros_like(M)
    if noise > 0:
        rng = np.random.default_rng(seed)
        runs = np.array([solve(interpolant(F2 + noise * rng.normal(size=F2.shape)), n, lams)[1]
                         for _ in range(realizations)])
        q16, q84 = np.percentile(runs, [16, 84], axis=0)
        error_noise = 0.5 * (q84 - q16)
    params = dict(omega2=omega2.tolist(), F0=F0.tolist(), alpha=alpha, beta=beta, n=n, h0=h0, noise=noise,
                  realizations=realizations if noise > 0 else 0, regularisation=[float(x) for x in lams])
    if not (np.all(np.isfinite(M)) and np.all(np.isfinite(error_disc)) and np.all(np.isfinite(error_noise))):
        raise ValueError("the inversion overflowed (non-finite memory): the data do not determine a memory; "
                         "give their noise level (noise=...) or more points")
    F_mid = curve(mid)[0]
    result = MemoryInversion(mid, F_mid, M, error_disc, error_noise, (t[0], t[-1]), params, data=(t, F2))
    result.seeds = seed if noise > 0 else None
    return result
