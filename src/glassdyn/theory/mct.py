"""Mode-coupling theory: memory kernels, non-ergodicity parameters, critical points.

One-component kernel in the form used by :func:`~glassdyn.theory.memory_equation.solve_memory_equation`
(F unnormalised, F(k, 0) = S(k)):

    gamma_k = D k^2 / S(k)   (Brownian: beta = 1, alpha = 0;  Newtonian: alpha = 1, beta = 0, D = kT/m)
    M(k, t) = D rho / (32 pi^2 k^3) sum_q sum_p dk^2 q p [(k^2+q^2-p^2) c(q) + (k^2+p^2-q^2) c(p)]^2 F(q,t) F(p,t)

with rho c(k) = 1 - 1/S(k), in bipolar coordinates on the midpoint grid k_i = (i - 1/2) dk and the
triangle rule |i - j| <= l <= i + j (0-based indices) of Franosch et al. (PRE 55, 7153, 1997).
Expanding the square in powers of p^2, folding the two mirror-image terms (the domain is symmetric
under q <-> p) and using prefix sums over p makes one kernel evaluation O(N_k^2) instead of O(N_k^3).

Kernels built from a structure factor are registered in :data:`MCT_KERNELS` (``one_component``,
``mixture``).  A kernel is a class with ``from_structure(k, S, rho, x=None, D=1.0)``, attributes
``S`` (F at t = 0), ``gamma``, ``alpha``, ``beta`` and ``__call__(F, t) -> M``; registering it with
``@MCT_KERNELS.register("name")`` makes it available to :func:`~glassdyn.theory.solve_mct` and to
``glassdyn mct --kernel``.
"""
from __future__ import annotations

import numba
import numpy as np

from ..errors import ConvergenceError
from ..registry import Registry
from .vertex import vertex_for

MCT_KERNELS = Registry("MCT kernel")

__all__ = ["MCT_KERNELS", "OneComponentMCT", "TaggedMCT", "nonergodicity_parameter", "critical_point",
           "exponent_parameter"]


_NARROW = 8  # ranges up to this many points are summed directly, not as prefix differences


@numba.njit(cache=True, inline="always")
def _rsum(terms, pre, lo, hi):
    """sum(terms[lo:hi+1]); prefix differences only for wide ranges, where they lose no precision
    (for narrow ranges at small k a difference of two large prefix sums would lose ~6 digits)."""
    if hi - lo < _NARROW:
        acc = 0.0
        for l in range(lo, hi + 1):
            acc += terms[l]
        return acc
    return pre[hi + 1] - pre[lo]


@numba.njit(cache=True)
def _one_component_kernel(F, k, c, dk, pref, out):
    """M(k) with the square expanded and mirrored (q <-> p) as in the module docstring:
    2 sum_q sum_p q p F(q) [(k^2+q^2-p^2)^2 c(q)^2 F(p) + (k^4-(q^2-p^2)^2) c(q) c(p) F(p)].
    The six sums over p of p X(p) p^(2m) (X = F, c F; m = 0, 1, 2) are prefix differences, or direct
    sums on ranges up to _NARROW points (there a difference of two large prefix sums would lose
    ~6 digits at small k)."""
    n = k.shape[0]
    pre = np.zeros((n + 1, 6))
    for i in range(n):
        P = k[i] * k[i]
        a0 = k[i] * F[i]
        b0 = a0 * c[i]
        pre[i + 1, 0] = pre[i, 0] + a0
        pre[i + 1, 1] = pre[i, 1] + a0 * P
        pre[i + 1, 2] = pre[i, 2] + a0 * P * P
        pre[i + 1, 3] = pre[i, 3] + b0
        pre[i + 1, 4] = pre[i, 4] + b0 * P
        pre[i + 1, 5] = pre[i, 5] + b0 * P * P
    for i in range(n):
        K = k[i] * k[i]
        total = 0.0
        for j in range(n):
            Q = k[j] * k[j]
            lo = abs(i - j)
            hi = min(i + j, n - 1)
            if hi - lo < _NARROW:
                s0 = s1 = s2 = s3 = s4 = s5 = 0.0
                for l in range(lo, hi + 1):
                    P = k[l] * k[l]
                    a0 = k[l] * F[l]
                    b0 = a0 * c[l]
                    s0 += a0
                    s1 += a0 * P
                    s2 += a0 * P * P
                    s3 += b0
                    s4 += b0 * P
                    s5 += b0 * P * P
            else:
                s0 = pre[hi + 1, 0] - pre[lo, 0]
                s1 = pre[hi + 1, 1] - pre[lo, 1]
                s2 = pre[hi + 1, 2] - pre[lo, 2]
                s3 = pre[hi + 1, 3] - pre[lo, 3]
                s4 = pre[hi + 1, 4] - pre[lo, 4]
                s5 = pre[hi + 1, 5] - pre[lo, 5]
            KQ = K + Q
            a2 = KQ * KQ * s0 - 2 * KQ * s1 + s2
            ab = (K * K - Q * Q) * s3 + 2 * Q * s4 - s5
            total += k[j] * F[j] * c[j] * (c[j] * a2 + ab)
        out[i] = 2.0 * pref[i] * total * dk * dk
    return out


@numba.njit(cache=True)
def _self_kernel(Fs, cFc, k, dk, pref, out):
    """Tagged-particle memory (Nk,): pref_i sum_q sum_p q p (k^2+q^2-p^2)^2 cFc(q) Fs(p) dk^2."""
    n = k.shape[0]
    terms = np.empty((3, n))
    pre = np.zeros((3, n + 1))
    for i in range(n):
        p = k[i]
        P = p * p
        terms[0, i] = p * Fs[i]
        terms[1, i] = terms[0, i] * P
        terms[2, i] = terms[1, i] * P
        for m in range(3):
            pre[m, i + 1] = pre[m, i] + terms[m, i]
    for i in range(n):
        K = k[i] * k[i]
        total = 0.0
        for j in range(n):
            lo = abs(i - j)
            hi = min(i + j, n - 1)
            Q = k[j] * k[j]
            s0 = _rsum(terms[0], pre[0], lo, hi)
            s1 = _rsum(terms[1], pre[1], lo, hi)
            s2 = _rsum(terms[2], pre[2], lo, hi)
            total += k[j] * cFc[j] * ((K + Q) ** 2 * s0 - 2 * (K + Q) * s1 + s2)
        out[i] = pref[i] * total * dk * dk
    return out


@MCT_KERNELS.register("one_component")
class OneComponentMCT:
    """MCT memory kernel of a one-component fluid from its S(k) on a midpoint grid.

    Parameters
    ----------
    k : (N_k,) midpoint grid (uniform spacing, k_1 = dk / 2).
    S : (N_k,) static structure factor.
    rho : number density.
    D : D_0 (Brownian) or kT/m (Newtonian); sets only the time unit.
    dynamics : "brownian" or "newtonian".
    dimension : d >= 2 (d = 3: the O(N_k^2) prefix-sum kernel; otherwise
        :class:`~glassdyn.theory.vertex.BipolarVertex`, O(N_k^3)).
    """

    def __init__(self, k, S, rho: float, D: float = 1.0, dynamics: str = "brownian", dimension: int = 3):
        k = np.asarray(k, dtype=float)
        S = np.asarray(S, dtype=float)
        if k.ndim != 1 or S.shape != k.shape:
            raise ValueError("k and S must be 1D arrays of equal length")
        dk = k[1] - k[0]
        if not np.allclose(np.diff(k), dk) or not np.isclose(k[0], dk / 2):
            raise ValueError("k must be the midpoint grid k_i = (i - 1/2) dk")
        if np.any(S <= 0) or not np.all(np.isfinite(S)):
            raise ValueError("S(k) must be finite and positive")
        if dynamics not in ("brownian", "newtonian"):
            raise ValueError("dynamics must be 'brownian' or 'newtonian'")
        self.k, self.S, self.rho, self.D, self.dk = k, S, float(rho), float(D), float(dk)
        self.dimension = int(dimension)
        self._vertex = None if dimension == 3 else vertex_for(k, dimension)
        self.c = (1.0 - 1.0 / S) / rho
        self.gamma = D * k**2 / S
        self.alpha = 1.0 if dynamics == "newtonian" else 0.0
        self.beta = 0.0 if dynamics == "newtonian" else 1.0
        self._pref = D * rho / (32 * np.pi**2 * k**3)

    @classmethod
    def from_structure(cls, k, S, rho: float, x=None, D=1.0, dimension: int = 3) -> "OneComponentMCT":
        if np.ndim(S) != 1:
            raise ValueError("the one_component kernel needs S(k) (N_k,); partial S_ab(k) need the mixture kernel")
        return cls(k, S, rho, D=D, dimension=dimension)

    def __call__(self, F, t=None) -> np.ndarray:
        """M(k) (N_k,) for the current F(k) (N_k,)."""
        F = np.ascontiguousarray(F, dtype=float)
        if self._vertex is not None:
            cF = self.c * F
            return self.D * self.rho * self._vertex(self.c * cF, F, cF, cF)
        return _one_component_kernel(F, self.k, self.c, self.dk, self._pref, np.empty_like(self.k))

    def solve(self, t_max: float = 1e10, **kw):
        """F(k, t) from F(k, 0) = S(k) with the time-doubling solver."""
        from .memory_equation import solve_memory_equation

        return solve_memory_equation(self.S, self.gamma, self, alpha=self.alpha, beta=self.beta,
                                     t_max=t_max, **kw)

    def self_memory(self, F, Fs) -> np.ndarray:
        """Tagged-particle memory M_s(k) (N_k,) of an identical tracer: D rho/(16 pi^2 k^3)
        sum_q sum_p dk^2 q p (k^2+q^2-p^2)^2 c(q)^2 F(q) F_s(p)."""
        if self._vertex is not None:
            v = self._vertex
            return self.D * self.rho * v.pref * v.contract(v.G1, self.c**2 * F, np.asarray(Fs, dtype=float))
        pref = self.D * self.rho / (16 * np.pi**2 * self.k**3)
        return _self_kernel(np.ascontiguousarray(Fs, dtype=float), self.c**2 * F, self.k, self.dk,
                            pref, np.empty_like(self.k))


class TaggedMCT:
    """Collective and tagged (self) MCT solved together: state (2 N_k,) = [F(k), F_s(k)].

    ``collective`` is a :class:`OneComponentMCT` (identical tracer, D_s = D) or a
    :class:`~glassdyn.theory.mct_mixture.MixtureMCT` (then the state is (2 N_k, s, s) with the
    tagged correlators F_s^a on the diagonal of the second half).
    """

    def __init__(self, collective):
        self.collective = collective
        n = collective.k.size
        self.n_k = n
        self.matrix = getattr(collective, "matrix", False)
        if self.matrix:
            s = collective.n_species
            tagged0 = np.broadcast_to(np.eye(s), (n, s, s))
            tagged_gamma = np.einsum("k,a,ab->kab", collective.k**2, collective.D, np.eye(s))
        else:
            tagged0 = np.ones(n)
            tagged_gamma = collective.D * collective.k**2
        self.S = np.concatenate([collective.S, tagged0])
        self.gamma = np.concatenate([collective.gamma, tagged_gamma])
        self.alpha = collective.alpha
        self.beta = collective.beta

    def __call__(self, F, t=None):
        n = self.n_k
        F_coll, F_self = F[:n], F[n:]
        return np.concatenate([self.collective(F_coll), self.collective.self_memory(F_coll, F_self)])

    def solve(self, t_max: float = 1e10, **kw):
        """Returns a MemorySolution whose F[:, :N_k] is collective and F[:, N_k:] tagged."""
        from .memory_equation import solve_memory_equation

        return solve_memory_equation(self.S, self.gamma, self, alpha=self.alpha, beta=self.beta,
                                     t_max=t_max, matrix=self.matrix, **kw)

    def mean_squared_displacement(self, solution):
        """MSD of the tagged particles from a solution of :meth:`solve`: the small-k limit of the
        tagged equation, alpha D'' + beta D' + int K(t - s) D'(s) ds = 2 d D_0 (D(0) = D'(0) = 0) with

            K(t) = D_0 rho Omega_d / (d (2 pi)^d) dk sum_q q^(d+1) [c F c](q, t) F_s(q, t),

        solved on the solution's time grid.  Returns a MemorySolution: F the MSD (n_t,) (one
        component) or (n_t, s) (species), M the memory K."""
        from .memory_equation import solve_given_memory
        from .vertex import unit_sphere_surface

        coll, n = self.collective, self.n_k
        d, k = coll.dimension, coll.k
        weight = coll.rho * unit_sphere_surface(d) / (d * (2 * np.pi) ** d) * coll.dk * k ** (d + 1)
        F, Fs = solution.F[:, :n], solution.F[:, n:]
        if self.matrix:
            cFc = np.einsum("kab,tkbc,kca->tka", coll.c, F, coll.c)
            K = np.einsum("k,tka,tka->ta", weight, cFc, np.diagonal(Fs, axis1=2, axis2=3)) * coll.D
            memory = np.einsum("ta,ab->tab", K, np.eye(coll.n_species))
            zero, source = np.zeros((coll.n_species,) * 2), -2 * d * np.diag(coll.D)
        else:
            memory = coll.D * np.einsum("k,tk,tk->t", weight * coll.c**2, F, Fs)
            zero, source = 0.0, -2 * d * coll.D
        msd = solve_given_memory(zero, zero, lambda t: memory[:t.size], alpha=self.alpha, beta=self.beta,
                                 delta=source, t_max=solution.t[-1], h0=solution.h0, n=solution.n)
        if self.matrix:
            return type(msd)(msd.t, np.diagonal(msd.F, axis1=1, axis2=2), K, msd.h0, msd.n)
        return msd


def nonergodicity_parameter(kernel, F0, gamma, tol: float = 1e-12, max_iterations: int = 100000):
    """Long-time limit F_inf = M[F_inf] F0 / (gamma + M[F_inf]), iterated from F_inf = F0.

    The iteration converges to the largest solution (Goetze).  Returns (F_inf, iterations);
    F_inf = 0 in the liquid.  For matrix kernels (``kernel.matrix``): F_inf = (gamma + M)^-1 M F0.
    Near a critical point the iteration slows down (it lingers on the plateau before a liquid
    state collapses): at ``max_iterations`` it raises :class:`~glassdyn.errors.ConvergenceError`
    rather than return an unconverged F_inf, which would count a liquid as a glass.
    """
    F0 = np.asarray(F0, dtype=float)
    f = F0.copy()
    matrix = getattr(kernel, "matrix", False)
    diag0 = np.diagonal(F0, axis1=-2, axis2=-1) if matrix else F0
    change = np.inf
    for it in range(1, max_iterations + 1):
        m = kernel(f)
        new = np.linalg.solve(gamma + m, m @ F0) if matrix else m * F0 / (gamma + m)
        change = np.max(np.abs(new - f))
        if change < tol:
            return new, it
        f = new
        diag = np.diagonal(f, axis1=-2, axis2=-1) if matrix else f
        if np.max(diag / diag0) < 1e-8:
            return np.zeros_like(f), it
    error = ConvergenceError(
        f"non-ergodicity parameter not converged after {max_iterations} iterations (last change "
        f"{change:.1e} > tol {tol:.0e}; max F_inf/S = {np.max(diag / diag0):.3f}); it slows down near a "
        f"critical point: raise max_iterations")
    error.last_change = float(change)
    raise error


#: an unconverged state still moving by less than this per iteration is critical to the
#: resolution of the iteration (at a critical point F_inf - f_c ~ 1/n: 1e-10 after 1e5 steps)
CRITICAL_RESOLUTION = 1e-8


def critical_point(make_kernel, lo: float, hi: float, tol: float = 1e-7, threshold: float = 1e-4,
                   max_iterations: int = 100000):
    """Bisection for the ideal glass transition of a one-parameter family (packing fraction, 1/T...).

    ``make_kernel(x)`` returns a kernel with attributes ``S`` and ``gamma`` (e.g. OneComponentMCT);
    the state at ``hi`` must be glassy (F_inf > 0) and at ``lo`` liquid.  Returns x_c.  The
    iteration count grows as the bisection closes in on x_c.  A state that does not converge within
    ``max_iterations`` but moves by less than CRITICAL_RESOLUTION per iteration is critical to the
    iteration's resolution: the bisection stops there and returns it.  A state still moving faster
    raises ConvergenceError naming it (raise ``max_iterations``): never a liquid counted as a glass.
    """
    def glassy(x):
        kern = make_kernel(x)
        try:
            f, _ = nonergodicity_parameter(kern, kern.S, kern.gamma, max_iterations=max_iterations)
        except ConvergenceError as exc:
            if getattr(exc, "last_change", np.inf) < CRITICAL_RESOLUTION:
                raise _AtCriticalPoint from None
            raise ConvergenceError(f"critical point, state x = {x:.9g}: {exc}") from None
        if getattr(kern, "matrix", False):
            return np.max(np.diagonal(f, axis1=-2, axis2=-1) / np.diagonal(kern.S, axis1=-2, axis2=-1)) > threshold
        return np.max(f / kern.S) > threshold

    if glassy(lo) or not glassy(hi):
        raise ValueError(f"no transition bracketed by [{lo}, {hi}]")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        try:
            if glassy(mid):
                hi = mid
            else:
                lo = mid
        except _AtCriticalPoint:
            return mid
    return 0.5 * (lo + hi)


class _AtCriticalPoint(Exception):
    """A bisection state within the non-ergodicity iteration's resolution of the transition."""


def exponent_parameter(kernel, F_inf) -> float:
    """MCT exponent parameter lambda at (or just above) a critical point.

    With f = F_inf / S, the normalised memory m[f] = M[S f] / gamma (quadratic in f) and the
    stability matrix C = (1 - f)^2 dm/df (m linear plus quadratic, as MCT kernels are), e and e_hat are the right and left eigenvectors of C's
    largest eigenvalue (-> 1 at the transition), normalised by e_hat.e = 1 and
    e_hat.(e^2 / (1 - f)) = 1; then lambda = e_hat.((1 - f)^2 Q(e, e)), Q the quadratic part of m.  For the F12 model this
    gives lambda = v2 (1 - f_c)^3.
    """
    S = np.asarray(kernel.S, dtype=float)
    gamma = np.asarray(kernel.gamma, dtype=float)
    f = np.asarray(F_inf, dtype=float) / S
    if np.max(f) <= 0:
        raise ValueError("F_inf vanishes: not at or above the critical point")

    def m(x):
        return kernel(S * x) / gamma

    def quad(x):  # the quadratic part Q(x, x) of m = L x + Q(x, x)
        return 0.5 * (m(2 * x) - 2 * m(x))

    m_f = m(f)
    n = f.size
    C = np.empty((n, n))
    for q in range(n):
        v = np.zeros(n)
        v[q] = 1.0
        C[:, q] = (1 - f) ** 2 * (m(f + v) - m_f - quad(v))  # exact: L v + 2 Q(f, v)
    w, vr = np.linalg.eig(C)
    top = np.argmax(w.real)
    e = np.abs(vr[:, top].real)
    wl, vl = np.linalg.eig(C.T)
    e_hat = np.abs(vl[:, np.argmax(wl.real)].real)
    # scale e -> a e, e_hat -> b e_hat: a b (e_hat.e) = 1 and a^2 b (e_hat.(e^2/(1-f))) = 1
    a = (e_hat @ e) / (e_hat @ (e**2 / (1 - f)))
    e = a * e
    e_hat = e_hat / (e_hat @ e)
    return float(e_hat @ ((1 - f) ** 2 * quad(e)))
