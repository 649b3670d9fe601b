"""Mode-coupling theory of multicomponent mixtures (Goetze; Nauroth and Kob, PRE 55, 657, 1997).

Convention for partial structure factors: S_ab(k) = N^-1 <rho_a(k) rho_b(-k)> -> x_a delta_ab at large
k, with S^-1_ab = delta_ab / x_a - rho c_ab (Ciarella 2023, Methods C).  Brownian dynamics with species
diffusivities D_a (Newtonian: D_a = kT / m_a):

    F' + Omega^2 F + int_0^t M(t - s) F'(s) ds = 0,     Omega^2_ab = D_a k^2 x_a S^-1_ab
    M_ab(k) = D_a rho / (2 x_b) int d^3q/(2 pi)^3 sum V_a,mn V_b,m'n' F_mm'(q) F_nn'(p)
    V_a,bc(k, q, p) = (k.q/k) c_ab(q) delta_ac + (k.p/k) c_ac(p) delta_ab

The vertex sum reduces to Hadamard products: using the q <-> p symmetry of the bipolar domain,

    M_ab(k) = D_a rho / (16 pi^2 x_b k^3) sum_q sum_p dk^2 q p { (k^2+q^2-p^2)^2 [cFc]_ab(q) F_ab(p)
                                                             + (k^4-(q^2-p^2)^2) [cF]_ab(q) [Fc]_ab(p) }

which prefix sums over p again make O(N_k^2 s^2).  (The 1/x_b of the column species is what makes
identical species split into a mixture reproduce the one-component theory: M x = x M_one.)  A one-component fluid written as a mixture of
identical species reproduces :class:`~glassdyn.theory.mct.OneComponentMCT` (tested).  The tagged
memory of species a is D_a rho/(16 pi^2 k^3) sum sum q p (k^2+q^2-p^2)^2 [cFc]_aa(q) F_s^a(p).
"""
from __future__ import annotations

import logging

import numba
import numpy as np

from .mct import _NARROW, MCT_KERNELS, _self_kernel
from .vertex import vertex_for

__all__ = ["MixtureMCT", "identical_mixture", "critical_temperature", "partials_convention"]

log = logging.getLogger(__name__)


def partials_convention(S, x) -> str:
    """The normalisation of partial structure factors (N_k, s, s), read from their large-k limit:
    ``"x"`` when S_aa -> x_a (S_ab = N^-1 <rho_a rho_b>, glassdyn's and Ciarella's), ``"delta"``
    when S_aa -> 1 (S_ab = (N_a N_b)^-1/2 <rho_a rho_b>, mctspy's).  The mean of S_aa over the top
    tenth of the k grid must lie within 20 % of one limit and twice as far from the other;
    otherwise ValueError says what was found (wrong species order, x or normalisation)."""
    S = np.asarray(S, dtype=float)
    x = np.asarray(x, dtype=float)
    tail = max(3, S.shape[0] // 10)
    d = np.diagonal(S[-tail:], axis1=1, axis2=2).mean(axis=0)
    off_x, off_delta = np.max(np.abs(d / x - 1)), np.max(np.abs(d - 1))
    if off_x < 0.2 and off_x < off_delta / 2:
        return "x"
    if off_delta < 0.2 and off_delta < off_x / 2:
        return "delta"
    raise ValueError(f"partial S_aa(k) tend to {np.round(d, 3).tolist()} at large k: neither the number "
                     f"fractions x = {np.round(x, 3).tolist()} (S_ab -> x_a delta_ab) nor 1 (S_ab -> "
                     f"delta_ab); check the species order, x and the normalisation, or extend k_max")


@numba.njit(cache=True)
def _mixture_kernel(F, k, c, dk, pref, out):
    """F, c: (Nk, s, s); pref: (Nk, s, s) prefactors; out: (Nk, s, s).  As the one-component
    kernel: six sums over p of p X_ab(p) p^(2m) (X = F, F c), prefix differences or direct sums
    on narrow ranges."""
    n = k.shape[0]
    s = F.shape[1]
    Fc = np.empty_like(F)
    cF = np.empty_like(F)
    cFc = np.empty_like(F)
    for i in range(n):
        Fc[i] = F[i] @ c[i]
        cF[i] = c[i] @ F[i]
        cFc[i] = cF[i] @ c[i]
    terms = np.empty((n, s, s, 6))
    pre = np.zeros((n + 1, s, s, 6))
    for i in range(n):
        p = k[i]
        P = p * p
        for a in range(s):
            for b in range(s):
                terms[i, a, b, 0] = p * F[i, a, b]
                terms[i, a, b, 1] = p * F[i, a, b] * P
                terms[i, a, b, 2] = p * F[i, a, b] * P * P
                terms[i, a, b, 3] = p * Fc[i, a, b]
                terms[i, a, b, 4] = p * Fc[i, a, b] * P
                terms[i, a, b, 5] = p * Fc[i, a, b] * P * P
                for x in range(6):
                    pre[i + 1, a, b, x] = pre[i, a, b, x] + terms[i, a, b, x]
    r = np.empty(6)
    total = np.empty((s, s))
    for i in range(n):
        K = k[i] * k[i]
        total[:, :] = 0.0
        for j in range(n):
            lo = abs(i - j)
            hi = min(i + j, n - 1)
            narrow = hi - lo < _NARROW
            Q = k[j] * k[j]
            KQ = K + Q
            for a in range(s):
                for b in range(s):
                    if narrow:
                        r[:] = 0.0
                        for l in range(lo, hi + 1):
                            for x in range(6):
                                r[x] += terms[l, a, b, x]
                    else:
                        for x in range(6):
                            r[x] = pre[hi + 1, a, b, x] - pre[lo, a, b, x]
                    A = KQ * KQ * r[0] - 2 * KQ * r[1] + r[2]
                    B = (K * K - Q * Q) * r[3] + 2 * Q * r[4] - r[5]
                    total[a, b] += k[j] * (cFc[j, a, b] * A + cF[j, a, b] * B)
        for a in range(s):
            for b in range(s):
                out[i, a, b] = pref[i, a, b] * total[a, b] * dk * dk
    return out


@MCT_KERNELS.register("mixture")
class MixtureMCT:
    """MCT memory kernel of an s-component mixture from its partial S_ab(k) (midpoint grid).

    Parameters
    ----------
    k : (N_k,) midpoint grid.
    S : (N_k, s, s) partial structure factors, S_ab -> x_a delta_ab at large k.
    rho : total number density.
    x : (s,) number fractions (sum 1).
    D : (s,) or scalar species diffusivities (Brownian) or kT/m_a (Newtonian).
    dimension : d >= 2 (d = 3: prefix sums, O(N_k^2 s^2); otherwise the dense
        :class:`~glassdyn.theory.vertex.BipolarVertex`).
    """

    matrix = True

    def __init__(self, k, S, rho: float, x, D=1.0, dynamics: str = "brownian", dimension: int = 3):
        k = np.asarray(k, dtype=float)
        S = np.asarray(S, dtype=float)
        x = np.asarray(x, dtype=float)
        s = x.size
        if S.shape != (k.size, s, s):
            raise ValueError(f"S must have shape (N_k, s, s) = {(k.size, s, s)}, got {S.shape}")
        if not np.allclose(S, np.swapaxes(S, 1, 2)):
            raise ValueError("partial structure factors must be symmetric in the species")
        if np.any(x <= 0) or not np.isclose(x.sum(), 1.0):
            raise ValueError("number fractions must be positive and sum to 1")
        dk = k[1] - k[0]
        if not np.allclose(np.diff(k), dk) or not np.isclose(k[0], dk / 2):
            raise ValueError("k must be the midpoint grid k_i = (i - 1/2) dk")
        if not np.all(np.isfinite(S)) or np.any(np.linalg.eigvalsh(S) <= 0):
            raise ValueError("S(k) must be finite and positive definite at every k")
        if partials_convention(S, x) == "delta":
            raise ValueError("partial S_ab(k) tend to delta_ab at large k (the S_ab -> delta_ab convention, "
                             "e.g. mctspy's); MixtureMCT takes S_ab -> x_a delta_ab: multiply S_ab by "
                             "sqrt(x_a x_b) (MixtureMCT.from_structure converts)")
        if dynamics not in ("brownian", "newtonian"):
            raise ValueError("dynamics must be 'brownian' or 'newtonian'")
        self.k, self.S, self.rho, self.x, self.dk = k, S, float(rho), x, float(dk)
        self.n_species = s
        self.D = np.broadcast_to(np.asarray(D, dtype=float), (s,)).copy()
        S_inv = np.linalg.inv(S)
        self.c = (np.diag(1.0 / x)[None] - S_inv) / rho
        self.gamma = np.einsum("k,a,a,kab->kab", k**2, self.D, x, S_inv)
        self.alpha = 1.0 if dynamics == "newtonian" else 0.0
        self.beta = 0.0 if dynamics == "newtonian" else 1.0
        self._pref = np.ascontiguousarray(np.einsum("a,b,k->kab", self.D, rho / x,
                                                    1.0 / (16 * np.pi**2 * k**3)))
        self.dimension = int(dimension)
        self._vertex = None if dimension == 3 else vertex_for(k, dimension)

    @classmethod
    def from_structure(cls, k, S, rho: float, x=None, D=1.0, dimension: int = 3) -> "MixtureMCT":
        if np.ndim(S) != 3:
            raise ValueError("the mixture kernel needs partial S_ab(k) (N_k, s, s)")
        if x is None or len(x) != np.shape(S)[1]:
            raise ValueError(f"the mixture kernel needs {np.shape(S)[1]} number fractions x")
        x = np.asarray(x, dtype=float)
        if partials_convention(S, x) == "delta":
            log.info("partial S_ab(k) tend to delta_ab at large k: converted to S_ab -> x_a delta_ab "
                     "(times sqrt(x_a x_b))")
            S = np.asarray(S, dtype=float) * np.sqrt(np.outer(x, x))
        return cls(k, S, rho, x, D=D, dimension=dimension)

    def __call__(self, F, t=None) -> np.ndarray:
        """M(k) (N_k, s, s) for the current F(k) (N_k, s, s)."""
        F = np.ascontiguousarray(F, dtype=float)
        if self._vertex is not None:
            cF, Fc = self.c @ F, F @ self.c
            weight = np.outer(self.D, self.rho / self.x)
            return weight * self._vertex(cF @ self.c, F, cF, Fc)
        return _mixture_kernel(F, self.k, self.c, self.dk, self._pref, np.empty_like(self.S))

    def self_memory(self, F, Fs) -> np.ndarray:
        """Tagged memories of every species as diagonal matrices (N_k, s, s); Fs (N_k, s, s) diagonal."""
        cFc = np.einsum("kab,kbc,kcd->kad", self.c, F, self.c)
        out = np.zeros_like(self.S)
        for a in range(self.n_species):
            if self._vertex is not None:
                v = self._vertex
                out[:, a, a] = self.D[a] * self.rho * v.pref * v.contract(v.G1, cFc[:, a, a], Fs[:, a, a])
                continue
            pref = self.D[a] * self.rho / (16 * np.pi**2 * self.k**3)
            out[:, a, a] = _self_kernel(np.ascontiguousarray(Fs[:, a, a]),
                                        np.ascontiguousarray(cFc[:, a, a]), self.k, self.dk, pref,
                                        np.empty_like(self.k))
        return out

    def solve(self, t_max: float = 1e10, **kw):
        """F_ab(k, t) from F(k, 0) = S(k) with the time-doubling solver (matrix mode)."""
        from .memory_equation import solve_memory_equation

        return solve_memory_equation(self.S, self.gamma, self, alpha=self.alpha, beta=self.beta,
                                     t_max=t_max, matrix=True, **kw)


def identical_mixture(S, x):
    """Partial S_ab(k) (N_k, s, s) of identical particles split into species with fractions x:
    S_ab = x_a delta_ab + x_a x_b (S - 1)."""
    S = np.asarray(S, dtype=float)
    x = np.asarray(x, dtype=float)
    return np.diag(x)[None] + np.einsum("a,b,k->kab", x, x, S - 1.0)


def critical_temperature(k, temperatures, structure_factors, rho: float, x, t_low=None, t_high=None,
                         tol: float = 1e-4, max_iterations: int = 100000, dimension: int = 3):
    """T_mct of a mixture from partial S(k; T) measured at several temperatures.

    S(k; T) is interpolated linearly in 1/T between the given temperatures (N_T, N_k, s, s) and
    the transition is bracketed by bisection (:func:`~glassdyn.theory.mct.critical_point` in 1/T).
    The bracket [t_low, t_high] (default: the lowest and highest given T) must hold the transition:
    glassy at t_low, liquid at t_high.  ``tol`` is relative; ``max_iterations`` caps each
    non-ergodicity iteration (ConvergenceError beyond it).  Brownian dynamics; the
    temperature enters MCT only through S(k; T) (and the time unit).
    """
    from .mct import critical_point

    temps = np.asarray(temperatures, dtype=float)
    Sk = np.asarray(structure_factors, dtype=float)
    if temps.ndim != 1 or temps.size < 2 or Sk.shape[0] != temps.size:
        raise ValueError("need at least two temperatures with one S(k) each")
    order = np.argsort(1.0 / temps)
    beta_grid, S_sorted = 1.0 / temps[order], Sk[order]

    def make(beta):
        j = int(np.clip(np.searchsorted(beta_grid, beta) - 1, 0, beta_grid.size - 2))
        w = (beta - beta_grid[j]) / (beta_grid[j + 1] - beta_grid[j])
        return MixtureMCT(k, (1 - w) * S_sorted[j] + w * S_sorted[j + 1], rho, x, dimension=dimension)

    b_liquid = beta_grid[0] if t_high is None else 1.0 / t_high
    b_glass = beta_grid[-1] if t_low is None else 1.0 / t_low
    beta_c = critical_point(make, b_liquid, b_glass, tol=tol * beta_grid.mean(), max_iterations=max_iterations)
    return 1.0 / beta_c
