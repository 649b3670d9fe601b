"""Conventions for partial structure factors of an s-component system (number fractions x_a).

glassdyn's convention ("number", used everywhere internally and by Ciarella 2023):
    S_ab(k) = N^-1 <rho_a(k) rho_b(-k)>            -> x_a delta_ab at large k;  sum_ab S_ab = S_NN
Others, converted at the boundaries:
    "ashcroft-langreth":  S^AL_ab = S_ab / sqrt(x_a x_b)                  -> delta_ab
    "faber-ziman":        S^FZ_ab = 1 + (S_ab - x_a delta_ab) / (x_a x_b)  -> 1
Arrays have shape (..., s, s).
"""
from __future__ import annotations

import numpy as np

__all__ = ["CONVENTIONS", "convert_partials", "total_structure_factor"]

CONVENTIONS = ("number", "ashcroft-langreth", "faber-ziman")


def _check(S, x):
    S = np.asarray(S, dtype=float)
    x = np.asarray(x, dtype=float)
    s = x.size
    if S.shape[-2:] != (s, s):
        raise ValueError(f"partials must have trailing shape ({s}, {s}) for {s} species, got {S.shape}")
    if np.any(x <= 0) or not np.isclose(x.sum(), 1.0):
        raise ValueError("number fractions must be positive and sum to 1")
    return S, x


def _to_number(S, x, convention):
    if convention == "number":
        return S
    if convention == "ashcroft-langreth":
        return S * np.sqrt(np.outer(x, x))
    if convention == "faber-ziman":
        return np.diag(x) + np.outer(x, x) * (S - 1.0)
    raise ValueError(f"unknown convention {convention!r}; known: {CONVENTIONS}")


def _from_number(S, x, convention):
    if convention == "number":
        return S
    if convention == "ashcroft-langreth":
        return S / np.sqrt(np.outer(x, x))
    if convention == "faber-ziman":
        return 1.0 + (S - np.diag(x)) / np.outer(x, x)
    raise ValueError(f"unknown convention {convention!r}; known: {CONVENTIONS}")


def convert_partials(S, x, source: str, target: str) -> np.ndarray:
    """Convert partial structure factors (..., s, s) between conventions (see module docstring)."""
    S, x = _check(S, x)
    return _from_number(_to_number(S, x, source), x, target)


def total_structure_factor(S, x, convention: str = "number") -> np.ndarray:
    """Number-number structure factor S_NN(k) = sum_ab S_ab (number convention)."""
    S, x = _check(S, x)
    return _to_number(S, x, convention).sum(axis=(-2, -1))
