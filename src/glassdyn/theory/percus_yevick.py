"""Structure of hard spheres (diameter 1) where the closure is solved in closed form: Percus-Yevick
c(r) in d = 3 (Wertheim) and d = 5 (Leutheusser, Physica A 127, 667 (1984)), the fundamental-
measure c(k) of hard disks in d = 2 (Thorneywork et al., Mol. Phys. 116, 3245 (2018)), the PY
additive mixture in d = 3; S(k) on any k grid."""
from __future__ import annotations

import numpy as np
from scipy.special import gamma as gamma_function
from scipy.special import jv

__all__ = ["py_direct_correlation", "py_structure_factor", "py_mixture_structure_factor", "midpoint_grid",
           "hard_sphere_density", "hard_sphere_direct_correlation", "hard_sphere_structure_factor",
           "HARD_SPHERE_DIMENSIONS"]

#: dimensions with a closed-form hard-sphere c(k), and the closure used
HARD_SPHERE_DIMENSIONS = {2: "fundamental-measure theory", 3: "Percus-Yevick", 5: "Percus-Yevick"}


def midpoint_grid(n_k: int = 100, k_max: float = 40.0) -> np.ndarray:
    """The standard MCT grid k_i = (i - 1/2) dk, i = 1..n_k, dk = k_max / n_k."""
    if n_k < 2 or k_max <= 0:
        raise ValueError("need n_k >= 2 and k_max > 0")
    dk = k_max / n_k
    return (np.arange(n_k) + 0.5) * dk


def py_direct_correlation(k, phi: float) -> np.ndarray:
    """c(k) of PY hard spheres at packing fraction phi (sigma = 1), by exact Gauss-Legendre
    quadrature of the analytic c(r) = -l1 - 6 phi l2 r - (phi/2) l1 r^3 on r < 1."""
    if not 0 < phi < 1:
        raise ValueError(f"packing fraction must be in (0, 1), got {phi}")
    k = np.asarray(k, dtype=float)
    l1 = (1 + 2 * phi) ** 2 / (1 - phi) ** 4
    l2 = -((1 + 0.5 * phi) ** 2) / (1 - phi) ** 4
    x, w = np.polynomial.legendre.leggauss(64)
    r = 0.5 * (x + 1)
    w = 0.5 * w
    cr = -l1 - 6 * phi * l2 * r - 0.5 * phi * l1 * r**3
    kr = np.multiply.outer(k, r)
    return 4 * np.pi * np.sum(w * r**2 * cr * np.sinc(kr / np.pi), axis=-1)


def py_structure_factor(k, phi: float) -> np.ndarray:
    """S(k) = 1 / (1 - rho c(k)) with rho = 6 phi / pi."""
    rho = 6 * phi / np.pi
    return 1.0 / (1.0 - rho * py_direct_correlation(k, phi))


def py_mixture_structure_factor(k, sigma, x, phi: float):
    """Partial S_ab(k) (N_k, s, s) of an additive hard-sphere mixture in the PY approximation.

    Baxter's factorisation: with rho_a = x_a rho, xi_n = (pi/6) sum_a rho_a sigma_a^n,
    R_ab = (sigma_a + sigma_b)/2, L_ab = (sigma_a - sigma_b)/2,
    Q_ab(r) = a_a (r^2 - R_ab^2)/2 + b_a (r - R_ab) on L_ab < r < R_ab,
    a_a = (1 - xi_3 + 3 sigma_a xi_2)/(1 - xi_3)^2, b_a = -1.5 sigma_a^2 xi_2/(1 - xi_3)^2, and
    Qhat_ab(k) = delta_ab - 2 pi sqrt(rho_a rho_b) int e^{ikr} Q_ab(r) dr,
    1 - sqrt(rho_a rho_b) c_ab(k) = [Qhat^H Qhat]_ab;  S = sqrt(x) (1 - sqrt(rho) c sqrt(rho))^-1 sqrt(x).
    Convention: S_ab -> x_a delta_ab at large k.  phi is the total packing fraction.
    """
    k = np.asarray(k, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    x = np.asarray(x, dtype=float)
    if sigma.shape != x.shape or np.any(sigma <= 0) or np.any(x <= 0) or not np.isclose(x.sum(), 1):
        raise ValueError("sigma and x must be positive arrays of equal length, x summing to 1")
    if not 0 < phi < 1:
        raise ValueError(f"packing fraction must be in (0, 1), got {phi}")
    rho = phi / (np.pi / 6 * np.sum(x * sigma**3))
    rho_a = x * rho
    xi2 = np.pi / 6 * np.sum(rho_a * sigma**2)
    xi3 = phi
    a = (1 - xi3 + 3 * sigma * xi2) / (1 - xi3) ** 2
    b = -1.5 * sigma**2 * xi2 / (1 - xi3) ** 2
    s = x.size
    # Gauss-Legendre, resolving every oscillation of e^{ikr} over the widest interval
    gx, gw = np.polynomial.legendre.leggauss(int(48 + k.max() * sigma.max()))
    Q = np.zeros((k.size, s, s), dtype=complex)
    for i in range(s):
        for j in range(s):
            R = 0.5 * (sigma[i] + sigma[j])
            L = 0.5 * (sigma[i] - sigma[j])
            r = L + (R - L) * 0.5 * (gx + 1)
            w = 0.5 * (R - L) * gw
            q = 0.5 * a[i] * (r**2 - R**2) + b[i] * (r - R)
            integral = np.exp(1j * np.multiply.outer(k, r)) @ (w * q)
            Q[:, i, j] = (i == j) - 2 * np.pi * np.sqrt(rho_a[i] * rho_a[j]) * integral
    A = np.real(np.einsum("kli,klj->kij", Q.conj(), Q))  # 1 - sqrt(rho) c sqrt(rho)
    sx = np.sqrt(x)
    return np.einsum("a,kab,b->kab", sx, np.linalg.inv(A), sx)


def hard_sphere_density(phi: float, dimension: int = 3) -> float:
    """Number density of hard spheres of diameter 1 at packing fraction phi in d dimensions:
    phi / v_d, v_d = pi^(d/2) / Gamma(d/2 + 1) / 2^d."""
    return float(phi / (np.pi ** (dimension / 2) / gamma_function(dimension / 2 + 1) / 2**dimension))


def _py5_direct_correlation_r(r, phi):
    """PY c(r) of 5D hard spheres, r < 1: c0 + c1 r + c3 r^3 + c5 r^5 (Leutheusser 1984)."""
    T = 1 + 18 * phi + 6 * phi**2
    q0 = (1 - 33 * phi - 87 * phi**2 - 6 * phi**3 - T**1.5) / (120 * phi * (1 - phi) ** 3)
    q1 = -((3 + 2 * phi) * np.sqrt(T) + 3 + 19 * phi + 3 * phi**2) / (12 * (1 - phi) ** 3)
    q2 = -np.sqrt(T) * (2 + 3 * phi + np.sqrt(T)) / (24 * (1 - phi) ** 3)
    c0 = -(8 * q2) ** 2
    c1 = 120 * phi * q0**2
    c3 = 20 * phi * (8 * q0 * q2 - 3 * q1**2)
    c5 = -3 / 8 * phi * c0
    return c0 + c1 * r + c3 * r**3 + c5 * r**5


def _hankel_inside_core(k, cr_of_r, dimension, n: int = 128):
    """d-dimensional Fourier transform of a radial function supported on r < 1:
    (2 pi)^(d/2) k^(1 - d/2) int_0^1 r^(d/2) J_(d/2-1)(k r) c(r) dr, by Gauss-Legendre quadrature."""
    x, w = np.polynomial.legendre.leggauss(n)
    r, w = 0.5 * (x + 1), 0.5 * w
    nu = dimension / 2 - 1
    kr = np.multiply.outer(k, r)
    return (2 * np.pi) ** (dimension / 2) * k ** (-nu) * np.sum(w * r ** (nu + 1) * jv(nu, kr) * cr_of_r(r),
                                                                 axis=-1)


def _fmt_disk_direct_correlation(k, phi):
    """c(k) of hard disks from fundamental-measure theory (Thorneywork et al. 2018), sigma = 1."""
    j0, j1 = jv(0, k / 2), jv(1, k / 2)
    one = 1 - phi
    bracket = (-1.25 * one**2 * k**2 * j0**2 + (4 * (phi**2 - 20 * phi + 7) + 1.25 * one**2 * k**2) * j1**2
               + 2 * (phi - 13) * one * k * j1 * j0)
    return np.pi * bracket / (6 * one**3 * k**2)


def hard_sphere_direct_correlation(k, phi: float, dimension: int = 3) -> np.ndarray:
    """c(k) of hard spheres (diameter 1) at packing fraction phi in ``dimension`` (2, 3 or 5)."""
    if not 0 < phi < 1:
        raise ValueError(f"packing fraction must be in (0, 1), got {phi}")
    k = np.asarray(k, dtype=float)
    if np.any(k <= 0):
        raise ValueError("wave numbers must be positive")
    if dimension == 3:
        return py_direct_correlation(k, phi)
    if dimension == 5:
        return _hankel_inside_core(k, lambda r: _py5_direct_correlation_r(r, phi), 5)
    if dimension == 2:
        return _fmt_disk_direct_correlation(k, phi)
    raise ValueError(f"no closed-form hard-sphere structure in d = {dimension}; available: "
                     + ", ".join(f"d = {d} ({how})" for d, how in HARD_SPHERE_DIMENSIONS.items())
                     + "; give S(k) from a file (--sk) instead")


def hard_sphere_structure_factor(k, phi: float, dimension: int = 3) -> np.ndarray:
    """S(k) = 1 / (1 - rho c(k)) of hard spheres in ``dimension`` (2, 3 or 5)."""
    return 1.0 / (1.0 - hard_sphere_density(phi, dimension) * hard_sphere_direct_correlation(k, phi, dimension))
