"""Sixfold bond-orientational order psi_6 and its time correlation C_psi(t) (2D, Jung 2023 SM I.C)."""
from __future__ import annotations

import numpy as np

from ..systems.configuration import Configuration

__all__ = ["psi6", "bond_orientational_correlation"]


def psi6(configuration: Configuration, r_cut: float = 1.4) -> np.ndarray:
    """psi_6^i = N_i^-1 sum_j exp(6 i theta_ij) over neighbours closer than r_cut (N,) complex."""
    import freud

    if configuration.dimension != 2:
        raise ValueError("psi_6 is defined for 2D configurations")
    nl = (freud.locality.AABBQuery(configuration.freud_box(), configuration.freud_points())
          .query(configuration.freud_points(), dict(r_max=r_cut, exclude_ii=True)).toNeighborList())
    i = np.asarray(nl.query_point_indices)
    j = np.asarray(nl.point_indices)
    dr = configuration.minimum_image(configuration.positions[i] - configuration.positions[j])
    z = np.exp(6j * np.arctan2(dr[:, 1], dr[:, 0]))
    n = configuration.n_particles
    count = np.bincount(i, minlength=n)
    s = np.bincount(i, weights=z.real, minlength=n) + 1j * np.bincount(i, weights=z.imag, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / count


def bond_orientational_correlation(psi_t, mask=None) -> np.ndarray:
    """C_psi(t) = Re sum_i psi_i(t) psi_i(0)* / sum_i |psi_i(0)|^2, psi_t (T, N) with psi_t[0] at t = 0."""
    p = np.asarray(psi_t)
    mask = np.ones(p.shape[1], bool) if mask is None else np.asarray(mask, bool)
    p = p[:, mask]
    return np.real((p * np.conj(p[0])[None]).sum(axis=1)) / np.sum(np.abs(p[0]) ** 2)
