"""Percus-Yevick structure of hard spheres (diameter 1): analytic c(r), S(k) on any k grid."""
from __future__ import annotations

import numpy as np

__all__ = ["py_direct_correlation", "py_structure_factor", "midpoint_grid"]


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
