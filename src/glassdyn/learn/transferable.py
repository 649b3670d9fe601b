"""A temperature-transferable GlassMLP (issue 19): one network over several temperatures and times.

Inputs: the descriptors plus the state, T and the time (log10 t, or log10(t / tau_alpha(T)) with
``time_input="t_over_tau"``), as in Jung, Biroli, Berthier, PRB 109, 064205 (2024), which trains one
network over temperatures and times and applies it below them.  One output.  Every (configuration,
time) pair is one "configuration" of the GlassMLP loss (MAE, variance and spatial-correlation terms
per configuration and time) and of its schedule; the state columns are standardised with the
descriptors' training statistics; the MAE scale of the reference protocol is the standard deviation of
the training labels at the same (T, time).

``fit_states`` takes the descriptors, labels at several times and the temperature of each
configuration; ``predict_state(X, temperature, time)`` predicts at any state and warns
(:class:`ExtrapolationWarning`) outside the training temperatures, which the saved model records.
"""
from __future__ import annotations

import json
import warnings

import numpy as np

from .glassmlp import GlassMLP

__all__ = ["TransferableGlassMLP", "ExtrapolationWarning"]


class ExtrapolationWarning(UserWarning):
    """A prediction at a temperature (or time) outside the training range."""


class TransferableGlassMLP(GlassMLP):
    """GlassMLP with the state (T, time) as two more inputs (module docstring).

    Parameters: those of :class:`GlassMLP`, and ``time_input``: "log_t" (log10 t) or "t_over_tau"
    (log10 t / tau_alpha(T); ``fit_states`` and ``predict_state`` then need ``tau``).

    After ``fit_states``: ``training_temperatures_`` (sorted), ``training_time_range_`` (of the time
    feature), and everything :class:`GlassMLP` sets.
    """

    def __init__(self, bottleneck: int = 2, hidden=(10, 10), loss: str = "glassmlp", schedule=None,
                 epoch_scale: float = 1.0, patience: int = 15, seed: int = 0, distances=None,
                 min_batches_per_epoch: int | None = None, observable: str = "field", verbose: bool = False,
                 protocol: str = "reference", shell_norm: str | None = None, mae_scale: str | None = None,
                 order: str | None = None, init: str | None = None, adam_eps: float | None = None,
                 min_feature_std: float | None = None, time_input: str = "log_t"):
        self.time_input = time_input  # before GlassMLP's __init__, which checks the parameters
        super().__init__(bottleneck, hidden, loss, schedule, epoch_scale, patience, seed, distances,
                         min_batches_per_epoch, observable, verbose, protocol, shell_norm, mae_scale, order, init,
                         adam_eps, min_feature_std)

    def _check_params(self) -> None:
        super()._check_params()
        if self.time_input not in ("log_t", "t_over_tau"):
            raise ValueError("time_input must be 'log_t' or 't_over_tau'")

    def _time_feature(self, time, temperature, tau) -> float:
        if not np.isfinite(time) or time <= 0:
            raise ValueError(f"times must be positive, got {time}")
        if self.time_input == "log_t":
            return float(np.log10(time))
        if tau is None or temperature not in tau:
            raise ValueError(f"time_input='t_over_tau' needs tau_alpha at T = {temperature} (tau={{T: tau}})")
        return float(np.log10(time / tau[temperature]))

    def _augment(self, X, temperature, feature):
        X = np.asarray(X, dtype=float)
        return np.hstack([X, np.full((len(X), 1), float(temperature)), np.full((len(X), 1), feature)])

    @staticmethod
    def _times_per_configuration(times, n: int) -> list:
        """``times``: one array shared by all configurations, or one per configuration."""
        if len(times) and np.ndim(times[0]) == 1:
            if len(times) != n:
                raise ValueError(f"times: {len(times)} arrays for {n} configurations")
            return [np.asarray(t, dtype=float) for t in times]
        return [np.asarray(times, dtype=float)] * n

    def _pairs(self, X, y, temperatures, times, positions, tau):
        """The (configuration, time) pairs: augmented descriptors, labels, positions, time features."""
        if len(X) != len(y) or len(X) != len(temperatures):
            raise ValueError("X, y and temperatures need one entry per configuration")
        Xa, ya, pa, features = [], [], [], []
        for c, (x, labels, T, ts) in enumerate(zip(X, y, temperatures, self._times_per_configuration(times, len(X)))):
            if not np.isfinite(T) or T <= 0:
                raise ValueError(f"configuration {c}: temperature must be positive, got {T}")
            labels = np.asarray(labels, dtype=float)
            if labels.shape != (ts.size, len(x)):
                raise ValueError(f"configuration {c}: labels must be (n_times, N) = {(ts.size, len(x))}, "
                                 f"got {labels.shape}")
            for j, t in enumerate(ts):
                features.append(self._time_feature(t, T, tau))
                Xa.append(self._augment(x, T, features[-1]))
                ya.append(labels[j])
                pa.append(None if positions is None else positions[c])
        return Xa, ya, (None if positions is None else pa), features

    def fit_states(self, X, y, temperatures, times, positions=None, box=None, definition: dict | None = None,
                   tau: dict | None = None, validation: tuple | None = None) -> "TransferableGlassMLP":
        """Train on configurations at several temperatures.

        X[c] (N_c, M) descriptors; y[c] (n_times_c, N_c) labels at ``times`` (n_times,), shared by
        all configurations, or ``times[c]`` (n_times_c,) per configuration; temperatures[c];
        positions[c] (N_c, d) and ``box`` for the spatial term; ``tau`` {T: tau_alpha} for
        time_input="t_over_tau"; ``validation`` = (X, y, temperatures, times, positions) for early
        stopping (default the training data).
        """
        self._check_params()
        Xa, ya, pa, features = self._pairs(X, y, temperatures, times, positions, tau)
        kw = dict(groups=list(zip(np.repeat(np.asarray(temperatures, float), [len(t) for t in
                                  self._times_per_configuration(times, len(X))]), np.round(features, 6))))
        if validation is not None:
            vX, vy, vT, vtimes, vpos = validation
            kw["X_val"], kw["y_val"], kw["positions_val"], vf = self._pairs(vX, vy, vT, vtimes, vpos, tau)
            kw["groups_val"] = list(zip(np.repeat(np.asarray(vT, float), [len(t) for t in
                                        self._times_per_configuration(vtimes, len(vX))]), np.round(vf, 6)))
        self.fit(Xa, ya, positions=pa, box=box, definition=definition, **kw)
        self.training_temperatures_ = sorted({float(T) for T in temperatures})
        self.training_time_range_ = (min(features), max(features))
        return self

    def extrapolates(self, temperature: float) -> bool:
        """True outside the training temperatures."""
        lo, hi = self.training_temperatures_[0], self.training_temperatures_[-1]
        return not lo - 1e-12 <= temperature <= hi + 1e-12

    def extrapolation_notes(self, temperature: float, time: float, tau: dict | None = None) -> list:
        """What a prediction at (temperature, time) extrapolates in, as sentences (empty inside the
        training range)."""
        if not hasattr(self, "training_temperatures_"):
            raise RuntimeError("fit_states or load the model first")
        notes = []
        if self.extrapolates(temperature):
            notes.append(f"T = {temperature:g} lies outside the training temperatures "
                         f"{self.training_temperatures_}: the prediction extrapolates")
        feature = self._time_feature(time, temperature, tau)
        lo, hi = self.training_time_range_
        if not lo - 1e-9 <= feature <= hi + 1e-9:
            name = "log10 t" if self.time_input == "log_t" else "log10 t/tau"
            notes.append(f"{name} = {feature:.3g} lies outside the training range [{lo:.3g}, {hi:.3g}]: the "
                         f"prediction extrapolates in time")
        return notes

    def predict_state(self, X, temperature: float, time: float, definition: dict | None = None,
                      tau: dict | None = None):
        """Propensities (N,) of one configuration (N, M) (or a list of them) at (temperature, time);
        an :class:`ExtrapolationWarning` says so outside the training temperatures or times."""
        for note in self.extrapolation_notes(temperature, time, tau):
            warnings.warn(note, ExtrapolationWarning, stacklevel=2)
        feature = self._time_feature(time, temperature, tau)
        single = not isinstance(X, (list, tuple))
        confs = [X] if single else list(X)
        if any(np.ndim(x) != 2 or np.shape(x)[1] != self.mean_.size - 2 for x in confs):
            raise ValueError(f"descriptors must be (N, {self.mean_.size - 2}) arrays")
        out = self.predict([self._augment(x, temperature, feature) for x in confs], definition)
        return out[0] if single else out

    def _arrays(self) -> dict:
        arrays = super()._arrays()
        meta = json.loads(arrays["meta"])
        meta.update(kind="transferable", time_input=self.time_input,
                    training_temperatures=self.training_temperatures_,
                    training_time_range=list(self.training_time_range_))
        arrays["meta"] = json.dumps(meta)
        return arrays

    @classmethod
    def _from_arrays(cls, data) -> "TransferableGlassMLP":
        meta = json.loads(str(data["meta"]))
        if meta.get("kind") != "transferable":
            raise ValueError("not a TransferableGlassMLP (no training temperatures): load it with GlassMLP.load")
        model = super()._from_arrays(data)
        model.time_input = meta["time_input"]
        model.training_temperatures_ = [float(T) for T in meta["training_temperatures"]]
        model.training_time_range_ = tuple(meta["training_time_range"])
        return model
