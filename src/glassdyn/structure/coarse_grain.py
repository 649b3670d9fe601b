"""Exponential coarse-graining sums of per-particle fields (GlassMLP, Jung 2023):

    W_i(L, beta)    = sum_{j in beta, R_ij < r_c} exp(-R_ij / L)            (L > 0)
    S_bar_i(L, beta) = sum_{j in beta, R_ij < r_c} S_j exp(-R_ij / L)

with R_ij the minimum-image distance, j = i included (weight 1), and beta running over every
species and over "all particles".  For L = 0 only j = i counts.  These are the raw sums; the
GlassMLP descriptors (:mod:`glassdyn.structure.descriptors`) divide by W to form the reference's
normalised averages, and W itself is the density descriptor.

Cut-off: one absolute r_c for every L, 20 by default -- the reference program's (StructDynGlass)
``r_ij < 20``.  In a box smaller than 2 r_c each partner counts once, at its minimum image.  The
weight of exp(-r/L) beyond r_c is Gamma(d, r_c/L) / Gamma(d) of the total in a uniform liquid
(``truncation_error``): 2e-16 for L = 0.5 and 0.25 for L = 7.5 in 2D -- large, but it *is* the
published definition, so glassdyn reproduces it rather than correcting it.
"""
from __future__ import annotations

import numba
import numpy as np

from ..engines.cells import cell_list, distance2

__all__ = ["coarse_grain", "truncation_error", "DEFAULT_LENGTHS", "REFERENCE_CUTOFF"]

DEFAULT_LENGTHS = tuple(0.5 * i for i in range(16))  # 0, 0.5, ..., 7.5 (Jung 2023)
REFERENCE_CUTOFF = 20.0  # StructDynGlass: partners at r_ij < 20


def truncation_error(a: float, dimension: int) -> float:
    """Fraction of the weight of exp(-r/L) in d dimensions beyond r = a L (uniform density)."""
    from scipy.special import gammaincc

    return float(gammaincc(dimension, a))


@numba.njit(cache=True, parallel=False)
def _cg_kernel(pos, box, dim, types, values, inv_lengths, square_of, r_cut, out):
    """out (N, n_species, K, n_L) += pair contributions into the partner's species channel (half
    pairs, both directions); the "all" channel is the sum over species, formed by the caller.

    Lengths come in decreasing order; square_of[l] >= 0 marks a length that is half of length
    square_of[l], whose weight is then the square of that one's (exp(-r/L) = exp(-r/2L)^2)."""
    n = pos.shape[0]
    n_l = inv_lengths.shape[0]
    k_val = values.shape[1]
    nc, w, head, nxt, cell = cell_list(pos, box, dim, r_cut, 3)
    rcut2 = r_cut * r_cut
    weights = np.empty(n_l)
    acc = np.zeros(out.shape[1:])
    for i in range(n):
        ti = types[i]
        acc[:] = 0.0
        for ox in range(-w[0], w[0] + 1):
            for oy in range(-w[1], w[1] + 1):
                for oz in range(-w[2], w[2] + 1):
                    cx = (cell[i, 0] + ox) % nc[0]
                    cy = (cell[i, 1] + oy) % nc[1]
                    cz = (cell[i, 2] + oz) % nc[2]
                    j = head[(cx * nc[1] + cy) * nc[2] + cz]
                    while j >= 0:
                        if j > i:
                            r2 = distance2(pos, i, j, box, dim)
                            if r2 < rcut2:
                                r = np.sqrt(r2)
                                tj = types[j]
                                for li in range(n_l):
                                    s = square_of[li]
                                    if s >= 0:
                                        weights[li] = weights[s] * weights[s]
                                    else:
                                        weights[li] = np.exp(-r * inv_lengths[li])
                                for kk in range(k_val):
                                    vj = values[j, kk]
                                    vi = values[i, kk]
                                    for li in range(n_l):
                                        acc[tj, kk, li] += weights[li] * vj
                                        out[j, ti, kk, li] += weights[li] * vi
                        j = nxt[j]
        out[i] += acc
    return out


def coarse_grain(positions, box, types, values, lengths=DEFAULT_LENGTHS, n_species: int | None = None,
                 cutoff: float = REFERENCE_CUTOFF) -> np.ndarray:
    """Coarse-graining sums (N, n_L, n_species + 1, K) of per-particle values (N, K).

    Channel index n_species is "all particles".  See the module docstring for the definition and
    the cut-off.  positions (N, d) inside the box, types (N,) in 0..n_species-1.
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
    if not cutoff > 0:
        raise ValueError(f"coarse-graining cut-off must be > 0, got {cutoff}")
    m = int(types.max()) + 1 if n_species is None else int(n_species)
    if types.min() < 0 or types.max() >= m:
        raise ValueError("types outside 0..n_species-1")
    out = np.zeros((n, lengths.size, m + 1, values.shape[1]))
    # L = 0: the particle itself
    zero = lengths == 0
    for li in np.flatnonzero(zero):
        out[np.arange(n), li, types] = values
        out[:, li, m] = values
    positive = ~zero
    if np.any(positive):
        pos_idx = np.flatnonzero(positive)
        L = lengths[pos_idx]
        dec = np.argsort(-L, kind="stable")  # decreasing lengths: a weight's square source comes first
        Ld = L[dec]
        twice = np.isclose(Ld[None, :], 2 * Ld[:, None], rtol=1e-14, atol=0)  # twice[l, s]: Ld[s] = 2 Ld[l]
        square_of = np.where(twice.any(axis=1), twice.argmax(axis=1), -1)
        p3 = np.zeros((n, 3))
        p3[:, :d] = np.mod(pos, box)
        b3 = np.ones(3)
        b3[:d] = box
        # visit particles cell by cell (sorted by a coarse spatial index) so that the scattered
        # writes to neighbours stay in cache; results are put back in the input order
        key = np.zeros(n, dtype=np.int64)
        for k in range(d):
            cells = max(int(box[k] // min(cutoff, 4.0)), 1)
            key = key * cells + np.minimum((p3[:, k] / box[k] * cells).astype(np.int64), cells - 1)
        order = np.argsort(key, kind="stable")
        part = np.zeros((n, m, values.shape[1], L.size))  # sorted particles, decreasing lengths
        part[np.arange(n), types[order]] = values[order][:, :, None]  # self term, exp(0) = 1
        _cg_kernel(p3[order], b3, d, types[order], np.ascontiguousarray(values[order]), 1.0 / Ld,
                   square_of, float(cutoff), part)
        unsorted = np.empty_like(part)
        unsorted[order] = part
        # (N, m, K, L decreasing) -> (N, L in input order, m, K)
        res = np.empty((n, L.size, m, values.shape[1]))
        res[:, dec] = unsorted.transpose(0, 3, 1, 2)
        out[:, pos_idx, :m] = res
        out[:, pos_idx, m] = res.sum(axis=2)
    return out
