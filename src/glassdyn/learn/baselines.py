"""Baselines in the GlassMLP API: Ridge regression (scikit-learn) on the same standardised
descriptors, and single-descriptor correlations.  MLP(mae) is ``GlassMLP(loss="mae")``."""
from __future__ import annotations

import numpy as np

__all__ = ["RidgeBaseline", "pearson", "single_descriptor_correlations"]


def pearson(a, b) -> float:
    """Pearson correlation coefficient rho_P of two per-particle fields."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    a = a - a.mean()
    b = b - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


class RidgeBaseline:
    """Ridge regression on descriptors standardised with training statistics (fit/predict on
    lists over configurations, like GlassMLP)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)
        self.model_ = None

    def fit(self, X, y, **_ignored) -> "RidgeBaseline":
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model_ = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha))
        self.model_.fit(np.concatenate(X), np.concatenate(y))
        return self

    def predict(self, X):
        single = not isinstance(X, (list, tuple))
        out = [self.model_.predict(np.asarray(x, float)) for x in ([X] if single else X)]
        return out[0] if single else out


def single_descriptor_correlations(X, y, names) -> dict:
    """rho_P of every single descriptor with the label, pooled over configurations."""
    Xa, ya = np.concatenate(X), np.concatenate(y)
    return {n: pearson(Xa[:, k], ya) for k, n in enumerate(names) if np.std(Xa[:, k]) > 0}
