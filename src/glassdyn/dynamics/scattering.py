"""Self-intermediate scattering function F_s(k, t) with multiple time origins."""
from __future__ import annotations

import numpy as np
from scipy.special import j0

__all__ = ["self_intermediate_scattering"]


def _isotropic(kr, dimension):
    if dimension == 3:
        return np.sinc(kr / np.pi)  # sin(kr)/(kr)
    return j0(kr)  # 2D average of cos(k.r) over directions


def self_intermediate_scattering(frames, times, k: float, types=None, origins=None,
                                 direction=None, remove_drift: bool = True,
                                 tolerance: float = 1e-9):
    """F_s(k, dt) averaged over particles (per species) and over time origins.

    frames : (F, N, d) unwrapped positions at ``times`` (F,), increasing.
    origins : frame indices used as time origins (default: only frame 0).  Lags are the distinct
        values times[j] - times[o] (within ``tolerance``) over all origins o and j >= o.
    direction : None for the isotropic average (sin(kr)/kr in 3D, J0(kr) in 2D); a unit vector
        for cos(k e.r) along one direction (the paper's SWAP definition uses e = x).
    Returns (lags (n_lag,), F_s (n_lag, M)) with one column per species (or one column if types is None).
    Normalisation: F_s(k, 0) = 1; multiply by S_aa(k) for Ciarella 2023's Eq. 1 convention.
    """
    x = np.asarray(frames, dtype=float)
    times = np.asarray(times, dtype=float)
    if x.ndim != 3 or times.shape != (x.shape[0],) or np.any(np.diff(times) <= 0):
        raise ValueError("frames (F, N, d) need increasing times (F,)")
    n, d = x.shape[1:]
    types = np.zeros(n, np.int64) if types is None else np.asarray(types, dtype=np.int64)
    m = int(types.max()) + 1
    origins = [0] if origins is None else list(origins)
    sums, counts = {}, {}
    for o in origins:
        for j in range(o, x.shape[0]):
            dr = x[j] - x[o]
            if remove_drift:
                dr = dr - dr.mean(axis=0)
            if direction is None:
                vals = _isotropic(k * np.linalg.norm(dr, axis=1), d)
            else:
                e = np.asarray(direction, dtype=float)
                vals = np.cos(k * dr @ (e / np.linalg.norm(e)))
            lag = times[j] - times[o]
            key = round(lag / tolerance) * tolerance if tolerance else lag
            per_species = np.bincount(types, weights=vals, minlength=m) / np.bincount(types, minlength=m)
            sums[key] = sums.get(key, 0.0) + per_species
            counts[key] = counts.get(key, 0) + 1
    lags = np.array(sorted(sums))
    return lags, np.array([sums[l] / counts[l] for l in lags])
