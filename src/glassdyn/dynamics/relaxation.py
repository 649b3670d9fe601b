"""Relaxation times from decaying correlation functions."""
from __future__ import annotations

import numpy as np

__all__ = ["relaxation_time", "particle_relaxation_times"]


def relaxation_time(times, correlation, threshold: float) -> float:
    """First time the correlation falls below ``threshold`` (log-linear interpolation between samples).

    tau_alpha^BB: the type-1 mean C_B with threshold 0.5; tau from F_s: threshold 1/e.
    Returns NaN if the correlation never reaches the threshold.
    """
    t = np.asarray(times, dtype=float)
    c = np.asarray(correlation, dtype=float)
    below = np.flatnonzero(c < threshold)
    if below.size == 0:
        return float("nan")
    k = int(below[0])
    if k == 0:
        return float(t[0])
    t0, t1 = t[k - 1], t[k]
    c0, c1 = c[k - 1], c[k]
    w = (c0 - threshold) / (c0 - c1)
    if t0 > 0:
        return float(np.exp(np.log(t0) + w * (np.log(t1) - np.log(t0))))
    return float(t0 + w * (t1 - t0))


def particle_relaxation_times(times, correlations, threshold: float = 0.5) -> np.ndarray:
    """Per-particle relaxation times (N,) from correlations (T, N), e.g. isoconfigurational C_B^i(t):
    the first time each falls below ``threshold``, interpolated linearly in t between samples (the
    reference program's rule).  Particles that never cross within the run are NaN (the reference
    extrapolates them; glassdyn does not): count them with ``np.isnan``.
    """
    t = np.asarray(times, dtype=float)
    c = np.asarray(correlations, dtype=float)
    if c.ndim != 2 or c.shape[0] != t.size:
        raise ValueError(f"correlations must have shape (T = {t.size}, N), got {c.shape}")
    below = c < threshold
    crossed = below.any(axis=0)
    k = np.argmax(below, axis=0)  # first sample below the threshold
    out = np.full(c.shape[1], np.nan)
    first = crossed & (k == 0)
    out[first] = t[0]
    mid = np.flatnonzero(crossed & (k > 0))
    kk = k[mid]
    c0, c1 = c[kk - 1, mid], c[kk, mid]
    out[mid] = t[kk - 1] + (c0 - threshold) / (c0 - c1) * (t[kk] - t[kk - 1])
    return out
