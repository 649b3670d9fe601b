"""Baselines in the GlassMLP API: Ridge regression (scikit-learn) on the same standardised
descriptors, and single-descriptor correlations.  MLP(mae) is ``GlassMLP(loss="mae")``."""
from __future__ import annotations

import json
import zipfile

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import InputFileError
from ..io.atomic import atomic_savez
from ..io.provenance import provenance_json
from ..structure.descriptors import check_definition

__all__ = ["RidgeBaseline", "pearson", "mean_pearson", "single_descriptor_correlations"]


def pearson(a, b) -> float:
    """Pearson correlation coefficient rho_P of two per-particle fields."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    a = a - a.mean()
    b = b - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def mean_pearson(predictions, labels) -> float:
    """rho_P averaged over configurations (the paper's figure of merit): ``predictions`` and ``labels``
    are sequences of per-configuration fields (N_c,).  A constant prediction (a collapsed network)
    has no correlation and counts as 0, not NaN."""
    predictions, labels = list(predictions), list(labels)
    if len(predictions) != len(labels) or not labels:
        raise ValueError(f"need one prediction per configuration: got {len(predictions)} predictions "
                         f"for {len(labels)} label fields")
    return float(np.mean([pearson(p, t) if np.std(p) > 0 else 0.0 for p, t in zip(predictions, labels)]))


class RidgeBaseline(BaseEstimator):
    """Ridge regression on descriptors standardised with training statistics (fit/predict on
    lists over configurations, like GlassMLP; a scikit-learn estimator).  Like GlassMLP it records
    the descriptor definition it was fitted on (``definition_``, with ``model_``, after ``fit``) and
    refuses descriptors of another definition."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def fit(self, X, y, definition: dict | None = None) -> "RidgeBaseline":
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model_ = make_pipeline(StandardScaler(), Ridge(alpha=float(self.alpha)))
        self.model_.fit(np.concatenate(X), np.concatenate(y))
        self.definition_ = definition
        return self

    def predict(self, X, definition=None):
        if not hasattr(self, "model_"):
            raise RuntimeError("fit or load the model first")
        single = not isinstance(X, (list, tuple))
        X = [np.asarray(x, float) for x in ([X] if single else X)]
        scaler = self.model_[0]
        for x in X:
            if x.ndim != 2 or x.shape[1] != scaler.mean_.size:
                raise ValueError(f"model expects (N, {scaler.mean_.size}) descriptors, got {x.shape}")
            if not np.all(np.isfinite(x)):
                raise ValueError("descriptors contain NaN or inf")
        check_definition(self.definition_, definition)
        out = [self.model_.predict(x) for x in X]
        return out[0] if single else out

    def score(self, X, y) -> float:
        """Mean Pearson rho_P over configurations (the paper's figure of merit)."""
        return mean_pearson(self.predict(list(X)), y)

    def save(self, path) -> None:
        """Scaler and coefficients as plain arrays (no pickle)."""
        if not hasattr(self, "model_"):
            raise RuntimeError("nothing to save: fit the model first")
        scaler, ridge = self.model_
        atomic_savez(path, kind="ridge", alpha=float(self.alpha), mean=scaler.mean_, scale=scaler.scale_,
                 coef=ridge.coef_, intercept=ridge.intercept_, definition=json.dumps(self.definition_),
                 provenance=provenance_json(parameters=dict(kind="ridge", alpha=float(self.alpha),
                                                            definition=self.definition_)))

    @classmethod
    def load(cls, path) -> "RidgeBaseline":
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        try:
            d = np.load(path, allow_pickle=False)
            if str(d["kind"]) != "ridge":
                raise ValueError("kind is not ridge")
            model = cls(float(d["alpha"]))
            scaler, ridge = StandardScaler(), Ridge(alpha=model.alpha)
            scaler.mean_, scaler.scale_ = d["mean"], d["scale"]
            scaler.var_, scaler.n_features_in_ = d["scale"] ** 2, d["mean"].size
            ridge.coef_, ridge.intercept_, ridge.n_features_in_ = d["coef"], float(d["intercept"]), d["mean"].size
            model.definition_ = json.loads(str(d["definition"])) if "definition" in d else None
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise InputFileError(f"{path}: unreadable or not a glassdyn Ridge model "
                                 f"({type(exc).__name__}: {exc})") from None
        model.model_ = make_pipeline(scaler, ridge)
        return model


def single_descriptor_correlations(X, y, names) -> dict:
    """rho_P of every single descriptor with the label, pooled over configurations."""
    Xa, ya = np.concatenate(X), np.concatenate(y)
    return {n: pearson(Xa[:, k], ya) for k, n in enumerate(names) if np.std(Xa[:, k]) > 0}
