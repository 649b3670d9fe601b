"""Periodic cell lists shared by the compiled neighbour loops (swap MC, coarse-graining)."""
from __future__ import annotations

import numba
import numpy as np

__all__ = ["cell_list", "distance2"]


@numba.njit(cache=True, inline="always")
def distance2(pos, i, j, box, dim):
    """Squared minimum-image distance between particles i and j (orthorhombic box)."""
    r2 = 0.0
    for d in range(dim):
        dx = pos[j, d] - pos[i, d]
        dx -= box[d] * np.rint(dx / box[d])
        r2 += dx * dx
    return r2


@numba.njit(cache=True)
def cell_list(pos, box, dim, r, subdivisions=1):
    """Cells of side >= r / subdivisions in an orthorhombic periodic box; pos (N, 3) inside
    [0, box), box (3,).

    Returns (nc (3,) cells per axis, w (3,) stencil half-width per axis, head (cells,), nxt (N,),
    cell (N, 3)).  An axis too short for 2 w + 1 cells gets a single cell and no stencil offsets,
    so visiting offsets -w..w around each particle's cell covers every pair closer than r once.
    Finer cells (subdivisions > 1) visit less empty space for long cut-offs.
    """
    n = pos.shape[0]
    nc = np.ones(3, np.int64)
    w = np.zeros(3, np.int64)
    for d in range(dim):
        if box[d] * subdivisions // r >= 2 * subdivisions + 1:
            nc[d] = int(box[d] * subdivisions // r)
            w[d] = subdivisions
    head = -np.ones(nc[0] * nc[1] * nc[2], np.int64)
    nxt = -np.ones(n, np.int64)
    cell = np.empty((n, 3), np.int64)
    for i in range(n):
        for d in range(3):
            c = int(pos[i, d] / box[d] * nc[d])
            cell[i, d] = min(max(c, 0), nc[d] - 1)
        ci = (cell[i, 0] * nc[1] + cell[i, 1]) * nc[2] + cell[i, 2]
        nxt[i] = head[ci]
        head[ci] = i
    return nc, w, head, nxt, cell
