"""Intermediate scattering functions with multiple time origins: the self part F_s(k, t) at one
k, and the collective partials F_ab(k, t) with the self parts F_s^a(k, t) on a whole k grid (the
input of the MCT functional on simulated data)."""
from __future__ import annotations

import numpy as np
from scipy.special import j0

__all__ = ["self_intermediate_scattering", "intermediate_scattering_grid"]


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
    pairs = _lag_pairs(times, origins, tolerance)
    out = []
    for key in sorted(pairs):
        acc = 0.0
        for o, j in pairs[key]:
            dr = x[j] - x[o]
            if remove_drift:
                dr = dr - dr.mean(axis=0)
            if direction is None:
                vals = _isotropic(k * np.linalg.norm(dr, axis=1), d)
            else:
                e = np.asarray(direction, dtype=float)
                vals = np.cos(k * dr @ (e / np.linalg.norm(e)))
            acc = acc + np.bincount(types, weights=vals, minlength=m) / np.bincount(types, minlength=m)
        out.append(acc / len(pairs[key]))
    return np.array(sorted(pairs)), np.array(out)


def _lag_pairs(times, origins, tolerance) -> dict:
    """{lag: [(origin frame, frame), ...]} over the origins (default frame 0) and later frames,
    lags equal within ``tolerance``."""
    pairs = {}
    for o in ([0] if origins is None else list(origins)):
        for j in range(o, times.size):
            lag = times[j] - times[o]
            key = round(lag / tolerance) * tolerance if tolerance else lag
            pairs.setdefault(key, []).append((o, j))
    return pairs


def intermediate_scattering_grid(frames, times, types, box, k, origins=None, vectors_per_bin: int = 64,
                                 seed: int = 0, tolerance: float = 1e-9):
    """Collective F_ab(k, t) = N^-1 <rho_a(k, t) rho_b(-k, 0)> and self F_s^a(k, t) on a grid.

    frames : (F, N, d) unwrapped positions at increasing ``times`` (F,); types (N,) in 0..s-1;
    box (d,) periodic; k (N_k,) a midpoint grid (bins of width dk centred on k).  The collective
    part averages over at most ``vectors_per_bin`` reciprocal-lattice vectors per bin (drawn with
    ``seed``; bins without one, k < 2 pi / L, stay NaN) and over the time origins; the self part is
    the exact isotropic average (sin(kr)/kr in 3D, J0(kr) in 2D).  Normalisation: F_ab(k, 0) =
    S_ab(k) -> x_a delta_ab, F_s^a(k, 0) = 1.  Returns (lags, F (n_lag, N_k, s, s), Fs (n_lag, N_k, s)).
    """
    x = np.asarray(frames, dtype=float)
    times = np.asarray(times, dtype=float)
    types = np.asarray(types, dtype=np.int64)
    box = np.asarray(box, dtype=float)
    k = np.asarray(k, dtype=float)
    if x.ndim != 3 or times.shape != (x.shape[0],) or np.any(np.diff(times) <= 0):
        raise ValueError("frames (F, N, d) need increasing times (F,)")
    n, d = x.shape[1:]
    if types.shape != (n,) or box.shape != (d,):
        raise ValueError("types (N,) and box (d,) must match the frames")
    s = int(types.max()) + 1
    dk = k[1] - k[0]
    nmax = np.floor((k[-1] + dk / 2) * box / (2 * np.pi)).astype(int)
    lattice = np.stack(np.meshgrid(*[np.arange(-m, m + 1) for m in nmax], indexing="ij"), -1).reshape(-1, d)
    lattice = lattice[np.any(lattice != 0, axis=1)]
    vec = lattice * (2 * np.pi / box)
    bins = np.floor(np.linalg.norm(vec, axis=1) / dk).astype(int)  # bin b: [b dk, (b + 1) dk)
    keep = bins < k.size
    vec, bins = vec[keep], bins[keep]
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.permutation(np.flatnonzero(bins == b))[:vectors_per_bin] for b in range(k.size)])
    vec, bins = vec[chosen], bins[chosen]
    per_bin = np.bincount(bins, minlength=k.size).astype(float)
    rho = np.stack([np.stack([np.exp(1j * (f[types == a] @ vec.T)).sum(axis=0) for a in range(s)]) for f in x])
    pairs = _lag_pairs(times, origins, tolerance)
    F = np.empty((len(pairs), k.size, s, s))
    Fs = np.empty((len(pairs), k.size, s))
    for row, key in enumerate(sorted(pairs)):
        prod, vals = 0.0, 0.0  # sums over the origin pairs of this lag (binned once, below)
        for o, j in pairs[key]:
            prod = prod + (rho[j][:, None, :] * np.conj(rho[o][None, :, :])).real  # (s, s, V)
            dr = x[j] - x[o]
            dr -= dr.mean(axis=0)
            vals = vals + _isotropic(np.multiply.outer(np.linalg.norm(dr, axis=1), k), d)  # (N, N_k)
        binned = np.stack([[np.bincount(bins, weights=prod[a, b], minlength=k.size) for b in range(s)]
                           for a in range(s)]).transpose(2, 0, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            F[row] = binned / len(pairs[key]) / per_bin[:, None, None] / n
        Fs[row] = np.stack([vals[types == a].mean(axis=0) for a in range(s)], axis=-1) / len(pairs[key])
    F = 0.5 * (F + np.swapaxes(F, 2, 3))
    return np.array(sorted(pairs)), F, Fs
