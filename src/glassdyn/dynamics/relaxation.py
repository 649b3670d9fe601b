"""Relaxation times from decaying correlation functions."""
from __future__ import annotations

import numpy as np

__all__ = ["relaxation_time"]


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
