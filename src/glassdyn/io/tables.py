"""Plain-text numeric tables: columns t, F(t); k, S(k); k, S_11, S_12, ..., S_ss."""
from __future__ import annotations

import numpy as np

from ..errors import InputFileError

__all__ = ["read_columns", "read_structure_factor"]


def read_columns(path, what: str) -> np.ndarray:
    """A whitespace-separated numeric table ('#' comments) with at least two finite columns."""
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except (OSError, ValueError) as exc:
        raise InputFileError(f"cannot read {what} from {path}: {exc}") from None
    if data.shape[1] < 2 or not np.all(np.isfinite(data)):
        raise InputFileError(f"{path} must hold finite columns {what}")
    return data


#: the fewest wave numbers an S(k) file may hold
MIN_K_POINTS = 10


def read_structure_factor(path):
    """k, S(k) (N_k,) or partial S_ab(k) (N_k, s, s) from columns k, S_11, S_12, ..., S_ss (upper
    triangle, row by row), on the midpoint grid."""
    data = read_columns(path, "k, S(k) [or k, S_11, S_12, ..., S_ss]")
    if len(data) < MIN_K_POINTS:
        raise InputFileError(f"{path}: {len(data)} rows of S(k); the MCT wave-vector integrals need at least "
                             f"{MIN_K_POINTS} grid points (the midpoint grid, e.g. 100 up to k = 40)")
    k, cols = data[:, 0], data[:, 1:]
    if cols.shape[1] == 1:
        return k, cols[:, 0]
    s = int(round((np.sqrt(8 * cols.shape[1] + 1) - 1) / 2))
    if s * (s + 1) // 2 != cols.shape[1]:
        raise InputFileError(f"{path}: {cols.shape[1]} partial columns is not s(s+1)/2")
    S = np.empty((k.size, s, s))
    iu = np.triu_indices(s)
    S[:, iu[0], iu[1]] = cols
    S[:, iu[1], iu[0]] = cols
    return k, S
