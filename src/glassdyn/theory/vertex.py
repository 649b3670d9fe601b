"""The MCT wave-vector integral in any dimension d >= 2, on the midpoint grid.

With p = |k - q| and A = k^2 + q^2 - p^2, B = k^2 + p^2 - q^2 (so k.q = A/2, k.p = B/2), bipolar
coordinates turn the d-dimensional integral into a double sum:

    int d^d q / (2 pi)^d f(q, p) = Omega_(d-1) / ((2 pi)^d k) int dq int dp q^(d-2) p sin^(d-3)(theta),
    sin(theta) = sqrt(Delta) / (2 k q),   Delta = 4 k^2 q^2 - A^2 = (k+q+p)(-k+q+p)(k-q+p)(k+q-p),

Omega_n = 2 pi^(n/2) / Gamma(n/2) the surface of the unit sphere in n dimensions.  The MCT memory
D rho / (2 k^2) int d^d q/(2 pi)^d (k.q c(q) + k.p c(p))^2 F(q) F(p), folded over q <-> p, becomes

    M(k_i) = D pref_i sum_{j,l} [G1_ijl c(q_j)^2 F(q_j) F(p_l) + G2_ijl c(q_j) F(q_j) c(p_l) F(p_l)],
    pref_i = 2 rho Omega_(d-1) / ((4 pi)^d k_i^d),  G1 = w A^2,  G2 = w A B,
    w_ijl = q_j p_l Delta^((d-3)/2) dk^2 on the triangle |i - j| <= l <= min(i + j, N_k - 1),

which is the Franosch et al. 3D discretisation for d = 3 (where Delta drops out and prefix sums make
it O(N_k^2): :mod:`glassdyn.theory.mct`), and ModeCouplingTheory.jl's d-dimensional vertex.  On the
midpoint grid Delta > 0 at every triangle point, so the integrable 1/sqrt(Delta) of d = 2 stays
finite.  Here the weights are dense tensors (2 x N_k^3 numbers, 16 MB for N_k = 100) and one
evaluation is two matrix products, O(N_k^3).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import gamma as gamma_function

__all__ = ["BipolarVertex", "unit_sphere_surface"]


def unit_sphere_surface(n: int) -> float:
    """Omega_n = 2 pi^(n/2) / Gamma(n/2), the surface of the unit sphere in n dimensions (Omega_1 = 2)."""
    return float(2 * np.pi ** (n / 2) / gamma_function(n / 2))


class BipolarVertex:
    """The weights G1, G2 (N_k, N_k, N_k) and prefactor pref / rho (N_k,) of the module docstring.

    Parameters
    ----------
    k : (N_k,) midpoint grid.
    dimension : d >= 2.
    """

    def __init__(self, k, dimension: int):
        if int(dimension) != dimension or dimension < 2:
            raise ValueError(f"dimension must be an integer >= 2, got {dimension}")
        k = np.asarray(k, dtype=float)
        n, dk = k.size, k[1] - k[0]
        self.dimension = int(dimension)
        i, j, l = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
        inside = (l >= np.abs(i - j)) & (l <= np.minimum(i + j, n - 1))
        K, Q, P = k[i] ** 2, k[j] ** 2, k[l] ** 2
        A, B = K + Q - P, K + P - Q
        delta = np.where(inside, 4 * K * Q - A**2, 1.0)
        w = np.where(inside, k[j] * k[l] * delta ** ((dimension - 3) / 2) * dk**2, 0.0)
        self.G1 = (w * A**2).reshape(n * n, n)
        self.G2 = (w * A * B).reshape(n * n, n)
        self.pref = 2 * unit_sphere_surface(dimension - 1) / ((4 * np.pi) ** dimension * k**dimension)
        self.n = n

    def contract(self, G, X, Y):
        """sum_jl G_ijl X_j Y_l for X, Y (N_k,) or (N_k, m) (elementwise over m)."""
        Y2 = Y.reshape(self.n, -1)
        T = (G @ Y2).reshape(self.n, self.n, -1)
        return np.einsum("ijm,jm->im", T, X.reshape(self.n, -1)).reshape(Y.shape)

    def __call__(self, cqcF, F, cF, Fc):
        """pref_i sum_jl [G1_ijl cqcF_j F_l + G2_ijl cF_j Fc_l] (without D, rho and 1/x_b)."""
        out = self.contract(self.G1, cqcF, F) + self.contract(self.G2, cF, Fc)
        return self.pref.reshape((-1,) + (1,) * (out.ndim - 1)) * out


@lru_cache(maxsize=4)
def _cached(grid: bytes, dimension: int) -> BipolarVertex:
    return BipolarVertex(np.frombuffer(grid), dimension)


def vertex_for(k, dimension: int) -> BipolarVertex:
    """The (shared, read-only) vertex of a grid: kernels rebuilt in a bisection reuse it."""
    return _cached(np.ascontiguousarray(k, dtype=float).tobytes(), dimension)
