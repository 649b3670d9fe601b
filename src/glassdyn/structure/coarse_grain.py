"""Exponential coarse-graining of per-particle fields (GlassMLP, seed 000):

    S_bar^i(L, beta) = sum_{j in beta} S^j exp(-R_ij / L)          (L > 0)
    S_bar^i(0, beta) = S^i if i in beta else 0                    (L = 0: the particle itself)

with R_ij the minimum-image distance.  beta runs over every species and over "all particles".

Normalisation: none, on purpose.  The sums are *not* divided by sum_j exp(-R_ij/L): the constant
field S = 1 then gives the local density, one of the four GlassMLP descriptors; every descriptor
is standardised later on the training set anyway.

Truncation: pairs count up to r_c(L) = min(a L, r_max).  The relative weight lost beyond a L is
Gamma(d, a) / Gamma(d) -- (1 + a) e^-a in 2D, (1 + a + a^2/2) e^-a in 3D -- 5e-4 and 3e-3 for the
default a = 10 (tested).  r_max caps every L: by default half the smallest box length, which is
exactly what a minimum-image sum over a small periodic box sees.  To transfer a model trained on a
small box to a large one, pass the *training* box's r_max so that both systems get the same
descriptors.
"""
from __future__ import annotations

import numba
import numpy as np

from ..engines.cells import cell_list

__all__ = ["coarse_grain", "truncation_error", "DEFAULT_LENGTHS"]

DEFAULT_LENGTHS = tuple(0.5 * i for i in range(16))  # 0, 0.5, ..., 7.5 (seed 000)


def truncation_error(a: float, dimension: int) -> float:
    """Fraction of the weight of exp(-r/L) in d dimensions beyond r = a L (uniform density)."""
    from scipy.special import gammaincc

    return float(gammaincc(dimension, a))


@numba.njit(cache=True, parallel=False)
def _cg_kernel(pos, box, dim, types, values, inv_lengths, cut2, r_max, n_species, out):
    """out (N, n_L, n_species, K) += pair contributions into the partner's species channel (half
    pairs, both directions); the "all" channel is the sum over species, formed by the caller."""
    n = pos.shape[0]
    n_l = inv_lengths.shape[0]
    k_val = values.shape[1]
    nc, w, head, nxt, cell = cell_list(pos, box, dim, r_max)
    rmax2 = r_max * r_max
    weights = np.empty(n_l)
    acc = np.zeros((n_l, n_species, k_val))
    for i in range(n):
        ti = types[i]
        acc[:, :, :] = 0.0
        for ox in range(-w[0], w[0] + 1):
            for oy in range(-w[1], w[1] + 1):
                for oz in range(-w[2], w[2] + 1):
                    cx = (cell[i, 0] + ox) % nc[0]
                    cy = (cell[i, 1] + oy) % nc[1]
                    cz = (cell[i, 2] + oz) % nc[2]
                    j = head[(cx * nc[1] + cy) * nc[2] + cz]
                    while j >= 0:
                        if j > i:
                            r2 = 0.0
                            for d in range(dim):
                                dx = pos[j, d] - pos[i, d]
                                dx -= box[d] * np.rint(dx / box[d])
                                r2 += dx * dx
                            if r2 < rmax2:
                                r = np.sqrt(r2)
                                tj = types[j]
                                for li in range(n_l):
                                    weights[li] = np.exp(-r * inv_lengths[li]) if r2 < cut2[li] else 0.0
                                for li in range(n_l):
                                    wl = weights[li]
                                    if wl == 0.0:
                                        continue
                                    for kk in range(k_val):
                                        acc[li, tj, kk] += wl * values[j, kk]
                                        out[j, li, ti, kk] += wl * values[i, kk]
                        j = nxt[j]
        out[i] += acc
    return out


def coarse_grain(positions, box, types, values, lengths=DEFAULT_LENGTHS, n_species: int | None = None,
                 cutoff_factor: float = 10.0, r_max: float | None = None) -> np.ndarray:
    """Coarse-grained fields (N, n_L, n_species + 1, K) of per-particle values (N, K).

    Channel index n_species is "all particles".  See the module docstring for normalisation and
    truncation.  positions (N, d) inside the box, types (N,) in 0..n_species-1.
    """
    pos = np.asarray(positions, dtype=float)
    n, d = pos.shape
    box = np.asarray(box, dtype=float)
    types = np.asarray(types, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[0] != n or types.shape != (n,) or box.shape != (d,):
        raise ValueError("positions (N, d), types (N,), values (N, K) and box (d,) do not match")
    if not np.all(np.isfinite(values)):
        raise ValueError("values to coarse-grain contain NaN or inf")
    lengths = np.asarray(lengths, dtype=float)
    if np.any(lengths < 0):
        raise ValueError("coarse-graining lengths must be >= 0")
    m = int(types.max()) + 1 if n_species is None else int(n_species)
    if types.min() < 0 or types.max() >= m:
        raise ValueError("types outside 0..n_species-1")
    r_max = 0.5 * float(box.min()) if r_max is None else float(r_max)
    out = np.zeros((n, lengths.size, m + 1, values.shape[1]))
    # L = 0: the particle itself
    zero = lengths == 0
    for li in np.flatnonzero(zero):
        out[np.arange(n), li, types] = values
        out[:, li, m] = values
    positive = ~zero
    if np.any(positive):
        L = lengths[positive]
        # self term exp(0) = 1 for L > 0
        part = np.zeros((n, L.size, m, values.shape[1]))
        part[np.arange(n), :, types] = values[:, None, :]  # self term, exp(0) = 1
        cut = np.minimum(cutoff_factor * L, r_max)
        p3 = np.zeros((n, 3))
        p3[:, :d] = np.mod(pos, box)
        b3 = np.ones(3)
        b3[:d] = box
        # visit particles cell by cell (sorted by a coarse spatial index) so that the scattered
        # writes to neighbours stay in cache; results are put back in the input order
        side = max(float(cut.max()), 1e-12)
        key = np.zeros(n, dtype=np.int64)
        for k in range(d):
            cells = max(int(box[k] // side), 1)
            key = key * cells + np.minimum((p3[:, k] / box[k] * cells).astype(np.int64), cells - 1)
        order = np.argsort(key, kind="stable")
        sorted_part = np.ascontiguousarray(part[order])
        _cg_kernel(p3[order], b3, d, types[order], np.ascontiguousarray(values[order]), 1.0 / L,
                   cut**2, float(cut.max()), m, sorted_part)
        part[order] = sorted_part
        out[:, positive, :m] = part
        out[:, positive, m] = part.sum(axis=2)
    return out
