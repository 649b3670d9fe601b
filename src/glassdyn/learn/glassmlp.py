"""GlassMLP (Jung 2023): descriptors -> 2 (bottleneck) -> 10 -> 10 -> 1, ELU, linear output.

scikit-learn-style estimator.  Training data are lists over configurations (one batch = one
configuration's selected particles), standardised with statistics of the training set only.

``protocol`` names how it is trained (:data:`PROTOCOLS`); every setting can be overridden one by one.
The default, ``"reference"``, is the reference program's (StructDynGlass
``machine_learning/KA2D/machine_learning_mlptrain.py``, the script behind the paper):

    1. 300 epochs, Adam lr 5e-4, MAE only
    2. up to 100 epochs, lr 2e-4, MAE only, early stopping on the validation loss (patience 15,
       the best epoch restored)
    3. 50 epochs, lr 4e-5, w_v = 1, w_d = 0.5 at d = 2, 5, 8 (row-normalised shells, see .losses)
    4. up to 100 epochs, lr 2e-5, same weights, early stopping

one configuration per batch in fixed order, one pass per epoch; MAE divided by the standard
deviation of all training labels; Glorot-uniform weights and zero biases, Adam epsilon 1e-7 (Keras'
defaults); descriptor columns whose training standard deviation is below 1e-5 dropped.  A fresh
Adam per phase (the program compiles anew).  ``"paper"`` takes the paper's text where it differs
(SM II.B: phases 2 and 4 up to 1000 epochs, d = 2, 4, 6, no row normalisation, MAE divided by the
batch's standard deviation); ``"glassdyn-0.1"`` is how glassdyn trained before (the paper's text,
reshuffled batches, at least 100 updates per epoch, PyTorch's initialisation, no column dropping).
The reference validates early stopping on its test set; glassdyn keeps a separate validation split.

``loss="mae"`` stops after phase 2 (the MLP(mae) baseline).  ``epoch_scale`` shrinks every phase
(tests, quick demos).  Models save to a single .npz (weights, scaler, descriptor definition,
settings, seed, version, training history) and refuse inputs of another descriptor definition.
"""
from __future__ import annotations

import json
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone

from .. import __version__
from ..dynamics.heterogeneity import smooth_overlap
from ..errors import InputFileError
from ..io.atomic import atomic_savez
from ..io.provenance import provenance_json
from ..structure.descriptors import check_definition
from .baselines import mean_pearson
from .losses import DISTANCES, PAPER_DISTANCES, glassmlp_loss, shell_weights, spatial_correlation

__all__ = ["GlassMLP", "GlassMLPEnsemble", "load_model", "JUNG2023_SCHEDULE", "REFERENCE_SCHEDULE", "PROTOCOLS"]

# (max epochs, learning rate, w_v, w_d, early stopping)
#: the reference program's phases (the default)
REFERENCE_SCHEDULE = ((300, 5e-4, 0.0, 0.0, False), (100, 2e-4, 0.0, 0.0, True),
                      (50, 4e-5, 1.0, 0.5, False), (100, 2e-5, 1.0, 0.5, True))
#: the paper's text (SM II.B)
JUNG2023_SCHEDULE = ((300, 5e-4, 0.0, 0.0, False), (1000, 2e-4, 0.0, 0.0, True),
                     (50, 4e-5, 1.0, 0.5, False), (1000, 2e-5, 1.0, 0.5, True))

#: named training protocols: each setting a GlassMLP parameter left at None takes
PROTOCOLS = {
    "reference": dict(schedule=REFERENCE_SCHEDULE, distances=DISTANCES, min_batches_per_epoch=1,
                      shell_norm="row", mae_scale="training", order="fixed", init="glorot", adam_eps=1e-7,
                      min_feature_std=1e-5),
    "paper": dict(schedule=JUNG2023_SCHEDULE, distances=PAPER_DISTANCES, min_batches_per_epoch=1,
                  shell_norm="none", mae_scale="configuration", order="fixed", init="glorot", adam_eps=1e-7,
                  min_feature_std=1e-5),
    "glassdyn-0.1": dict(schedule=JUNG2023_SCHEDULE, distances=PAPER_DISTANCES, min_batches_per_epoch=100,
                         shell_norm="none", mae_scale="configuration", order="shuffled", init="torch",
                         adam_eps=1e-8, min_feature_std=0.0),
}
_CHOICES = dict(shell_norm=("row", "none"), mae_scale=("training", "configuration"), order=("fixed", "shuffled"),
                init=("glorot", "torch"))


def _network(n_in: int, bottleneck: int, hidden, init: str = "torch") -> torch.nn.Sequential:
    layers, width = [], n_in
    for h in (bottleneck, *hidden):
        layers += [torch.nn.Linear(width, h), torch.nn.ELU()]
        width = h
    layers.append(torch.nn.Linear(width, 1))
    if init == "glorot":  # Keras' Dense defaults, as the reference program trains
        for layer in layers:
            if isinstance(layer, torch.nn.Linear):
                torch.nn.init.xavier_uniform_(layer.weight)
                torch.nn.init.zeros_(layer.bias)
    return torch.nn.Sequential(*layers)


class GlassMLP(BaseEstimator):
    """Per-particle propensity from descriptors (a scikit-learn estimator: ``get_params``, ``clone``
    and ``GridSearchCV`` work; ``score`` is the paper's mean rho_P over configurations).

    Parameters
    ----------
    bottleneck, hidden : architecture (2, (10, 10) in the paper).
    loss : "glassmlp" (four phases) or "mae" (phases 1-2 only: the MLP(mae) baseline).
    protocol : "reference" (default), "paper" or "glassdyn-0.1" (module docstring); the settings
        below left at None take the protocol's value.
    schedule : phases (epochs, lr, w_v, w_d, early_stopping).
    epoch_scale : multiply every phase's epoch count (>= 1 epoch each).
    patience : early-stopping patience (epochs).
    seed : torch / numpy seed (reproducible training).
    distances : shell distances d of the C(d) term.
    min_batches_per_epoch : at least this many gradient steps per epoch (with fewer training
        configurations an epoch cycles through them again; 1 = one pass, the reference).
    observable : "field" (the paper's 2D set-up: variance and C(d) of the label itself) or "overlap"
        (paper SM VI, displacement propensities R: variance and C(d) of the smooth overlap
        (1 - tanh(20 (R - 0.44))) / 2; the MAE term stays on R).
    shell_norm : "row" (each particle's shell sum divided by its shell weight, the reference) or "none".
    mae_scale : "training" (std of all training labels) or "configuration" (std of the batch's labels).
    order : "fixed" (configurations in their given order every epoch) or "shuffled".
    init : "glorot" (Glorot-uniform weights, zero biases) or "torch" (PyTorch's default).
    adam_eps : Adam's epsilon.
    min_feature_std : descriptor columns with a smaller training standard deviation are dropped.

    After ``fit`` (and only then): ``net_``, ``mean_`` / ``scale_`` (training statistics), ``keep_``
    (the descriptor columns used), ``definition_``, ``history_``, ``label_noise_``, ``train_seconds_``
    and ``validation_rho_``, which holds the mean validation rho_P after the MAE phases
    ("mae_phases") and at the end ("final"); a RuntimeWarning says so when the variance/spatial
    phases lost more than half of it (a collapse seen with very few training configurations).
    """

    def __init__(self, bottleneck: int = 2, hidden=(10, 10), loss: str = "glassmlp", schedule=None,
                 epoch_scale: float = 1.0, patience: int = 15, seed: int = 0, distances=None,
                 min_batches_per_epoch: int | None = None, observable: str = "field", verbose: bool = False,
                 protocol: str = "reference", shell_norm: str | None = None, mae_scale: str | None = None,
                 order: str | None = None, init: str | None = None, adam_eps: float | None = None,
                 min_feature_std: float | None = None):
        self.bottleneck, self.hidden, self.loss = bottleneck, hidden, loss
        self.schedule, self.epoch_scale, self.patience, self.seed = schedule, epoch_scale, patience, seed
        self.distances, self.min_batches_per_epoch = distances, min_batches_per_epoch
        self.observable, self.verbose, self.protocol = observable, verbose, protocol
        self.shell_norm, self.mae_scale, self.order, self.init = shell_norm, mae_scale, order, init
        self.adam_eps, self.min_feature_std = adam_eps, min_feature_std
        self._check_params()

    def _check_params(self) -> None:
        if self.loss not in ("glassmlp", "mae"):
            raise ValueError("loss must be 'glassmlp' or 'mae'")
        if self.observable not in ("field", "overlap"):
            raise ValueError("observable must be 'field' or 'overlap'")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {sorted(PROTOCOLS)}, got {self.protocol!r}")
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if not (np.isfinite(self.epoch_scale) and self.epoch_scale > 0):
            raise ValueError(f"epoch_scale must be a positive number, got {self.epoch_scale}")

    def settings(self) -> dict:
        """The training settings in force: the protocol's, with this estimator's overrides."""
        out = dict(PROTOCOLS[self.protocol])
        out.update({k: getattr(self, k) for k in out if getattr(self, k) is not None})
        out["schedule"] = tuple(tuple(p) for p in out["schedule"])
        out["distances"] = tuple(float(d) for d in out["distances"])
        return out

    def _fitted(self) -> bool:
        return hasattr(self, "net_")

    # ------------------------------------------------------------------ data handling
    def _check_inputs(self, X, definition):
        X = [np.asarray(x, dtype=float) for x in X]
        if any(x.ndim != 2 for x in X):
            raise ValueError("descriptors must be a list of (N_particles, M) arrays")
        m = X[0].shape[1]
        if any(x.shape[1] != m for x in X):
            raise ValueError("every configuration must have the same number of descriptors")
        if any(not np.all(np.isfinite(x)) for x in X):
            raise ValueError("descriptors contain NaN or inf")
        if self._fitted():
            if m != self.mean_.size:
                raise ValueError(f"model expects {self.mean_.size} descriptors, got {m}")
            check_definition(self.definition_, definition)
        return X

    def _tensor(self, x):
        return torch.from_numpy(((x - self.mean_) / self.scale_)[:, self.keep_].astype(np.float32))

    # ------------------------------------------------------------------ training
    def fit(self, X, y, X_val=None, y_val=None, positions=None, positions_val=None, box=None,
            definition: dict | None = None, label_noise=None, label_noise_val=None, groups=None,
            groups_val=None) -> "GlassMLP":
        """Train on lists over configurations: X[c] (N_c, M), y[c] (N_c,), positions[c] (N_c, d)
        (needed for the spatial term, with ``box``).  Validation data drive early stopping
        (default: the training data).  ``label_noise[c]`` (optional, one float per configuration):
        the noise variance of the labels, <Var_replicas>/n_replicas, removed from the variance and
        spatial-correlation targets (see :mod:`.losses`); default none (the paper's loss).
        ``groups[c]`` (optional): configurations of one group share the MAE scale of
        ``mae_scale="training"`` (the temperature-transferable model groups by state)."""
        self._check_params()
        X = self._check_inputs(X, None)
        y = [np.asarray(v, dtype=float) for v in y]
        if len(X) != len(y) or any(len(a) != len(b) for a, b in zip(X, y)):
            raise ValueError("X and y must be lists of matching configurations")
        if any(not np.all(np.isfinite(v)) for v in y):
            raise ValueError("labels contain NaN or inf")
        X_val, y_val = (X, y) if X_val is None else (X_val, [np.asarray(v, float) for v in y_val])
        positions_val = positions if positions_val is None else positions_val
        tn = [0.0] * len(X) if label_noise is None else [float(v) for v in label_noise]
        vn = (tn if X_val is X else [0.0] * len(X_val)) if label_noise_val is None else \
            [float(v) for v in label_noise_val]
        if len(tn) != len(X) or len(vn) != len(X_val) or min(tn + vn) < 0:
            raise ValueError("label_noise needs one non-negative variance per configuration")
        for name, nus, ys in (("training", tn, y), ("validation", vn, y_val)):
            for c, (nu, v) in enumerate(zip(nus, ys)):
                if not v.var() > 0:
                    raise ValueError(f"{name} configuration {c}: the labels are constant (no particle has moved "
                                     "yet at this time?): the loss divides by their variance; drop this time")
                if nu and nu >= v.var():
                    raise ValueError(f"{name} configuration {c}: label noise variance {nu:.3g} is not below "
                                     f"the label variance {v.var():.3g} (the labels are replica noise: run "
                                     f"more replicas, or train without the noise correction)")
        if label_noise is not None and self.observable == "overlap":
            raise ValueError("label_noise is the noise of the raw labels; it cannot correct the smooth-overlap "
                             "targets (use observable='field' with label_noise)")
        self.label_noise_ = label_noise is not None
        st = self.settings()
        allx = np.concatenate(X)  # training statistics only
        self.mean_ = allx.mean(axis=0)
        std = allx.std(axis=0)
        self.keep_ = std >= st["min_feature_std"] if st["min_feature_std"] > 0 else np.ones(std.size, bool)
        if not self.keep_.any():
            raise ValueError(f"every descriptor is constant over the training data (standard deviation below "
                             f"{st['min_feature_std']:g}): nothing to learn from")
        self.scale_ = np.where(std > 0, std, 1.0)
        self.definition_ = definition
        torch.manual_seed(self.seed)
        self.net_ = _network(int(self.keep_.sum()), int(self.bottleneck), tuple(self.hidden), st["init"])
        tx = [self._tensor(x) for x in X]
        ty = [torch.from_numpy(v.astype(np.float32)) for v in y]
        vx = [self._tensor(np.asarray(x, float)) for x in X_val]
        vy = [torch.from_numpy(v.astype(np.float32)) for v in y_val]
        ts, vs = self._mae_scales(y, y_val, st["mae_scale"], groups, groups_val)
        phases = st["schedule"] if self.loss == "glassmlp" else st["schedule"][:2]
        needs_space = any(p[3] > 0 for p in phases)
        if needs_space and (positions is None or box is None):
            raise ValueError("the spatial-correlation term needs positions and box")
        row = st["shell_norm"] == "row"
        tw = [shell_weights(p, box, st["distances"], row).float() for p in positions] if needs_space else None
        vw = ([shell_weights(p, box, st["distances"], row).float() for p in positions_val]
              if needs_space else None)
        transform = self._transform()
        f = transform or (lambda x: x)
        tc = [spatial_correlation(f(t), w, n) for t, w, n in zip(ty, tw, tn)] if needs_space else None
        vc = [spatial_correlation(f(t), w, n) for t, w, n in zip(vy, vw, vn)] if needs_space else None
        rng = np.random.default_rng(self.seed)
        self.history_, self.validation_rho_ = [], {}
        t0 = time.perf_counter()
        for k, (epochs, lr, w_v, w_d, early) in enumerate(phases):
            epochs = max(1, int(round(epochs * self.epoch_scale)))
            opt = torch.optim.Adam(self.net_.parameters(), lr=lr, eps=st["adam_eps"])
            best, best_state, wait = np.inf, None, 0
            for epoch in range(epochs):
                self.net_.train()
                n_batches = max(len(tx), st["min_batches_per_epoch"])
                passes = -(-n_batches // len(tx))
                order = np.concatenate([np.arange(len(tx)) if st["order"] == "fixed" else rng.permutation(len(tx))
                                        for _ in range(passes)])
                for c in order[:n_batches]:
                    opt.zero_grad()
                    pred = self.net_(tx[c]).squeeze(-1)
                    loss = glassmlp_loss(pred, ty[c], tw[c] if tw else None, w_v, w_d, tc[c] if tc else None,
                                         tn[c], transform, ts[c])
                    loss.backward()
                    opt.step()
                val = self._loss(vx, vy, vw, w_v, w_d, vc, vn, vs)
                self.history_.append(dict(phase=k + 1, epoch=epoch, val_loss=val))
                if early:
                    if val < best - 1e-12:
                        best, wait = val, 0
                        best_state = {n: t.clone() for n, t in self.net_.state_dict().items()}
                    else:
                        wait += 1
                        if wait >= self.patience:
                            break
            if early and best_state is not None:
                self.net_.load_state_dict(best_state)
            if self.verbose:
                print(f"phase {k + 1}: {epoch + 1} epochs, validation loss {self.history_[-1]['val_loss']:.4f}")
            if k == 1:
                self.validation_rho_["mae_phases"] = self._validation_rho(vx, y_val)
        self.validation_rho_["final"] = self._validation_rho(vx, y_val)
        before, after = self.validation_rho_.get("mae_phases", 0.0), self.validation_rho_["final"]
        if len(phases) > 2 and before > 0.1 and after < 0.5 * before:
            warnings.warn(f"GlassMLP: the variance/spatial phases lowered the validation rho_P from {before:.3f} "
                          f"to {after:.3f}; the model has lost most of its predictive power (seen with very few "
                          f"training configurations): train an ensemble (GlassMLPEnsemble, "
                          f"`glassdyn train --ensemble`) or on more configurations",
                          RuntimeWarning, stacklevel=2)
        self.train_seconds_ = time.perf_counter() - t0
        return self

    def _validation_rho(self, vx, vy) -> float:
        """Mean rho_P over the validation configurations of the current network."""
        self.net_.eval()
        with torch.no_grad():
            preds = [self.net_(x).squeeze(-1).double().numpy() for x in vx]
        return mean_pearson(preds, vy)

    def _loss(self, xs, ys, ws, w_v, w_d, cs, noise, scales) -> float:
        self.net_.eval()
        with torch.no_grad():
            return float(np.mean([glassmlp_loss(self.net_(x).squeeze(-1), t, ws[i] if ws else None, w_v, w_d,
                                                cs[i] if cs else None, noise[i], self._transform(), scales[i])
                                  for i, (x, t) in enumerate(zip(xs, ys))]))

    @staticmethod
    def _mae_scales(y, y_val, mode: str, groups=None, groups_val=None):
        """The MAE term's divisor per training and validation batch: None (the batch's own standard
        deviation) or the standard deviation of all training labels of the batch's group (default one
        group; validation batches take their group's training value, as the reference's loss carries
        the training one, else their own group's)."""
        if mode == "configuration":
            return [None] * len(y), [None] * len(y_val)
        groups = [0] * len(y) if groups is None else list(groups)
        groups_val = [0] * len(y_val) if groups_val is None else list(groups_val)
        if len(groups) != len(y) or len(groups_val) != len(y_val):
            raise ValueError("groups need one entry per training (and validation) configuration")
        std = {}
        for key, labels in ((k, [v for v, g in zip(y, groups) if g == k]) for k in dict.fromkeys(groups)):
            std[key] = float(np.concatenate(labels).std())
        for key in dict.fromkeys(groups_val):
            if key not in std:
                std[key] = float(np.concatenate([v for v, g in zip(y_val, groups_val) if g == key]).std())
        return [std[g] for g in groups], [std[g] for g in groups_val]

    def _transform(self):
        """Map applied before the variance and C(d) terms: the smooth overlap, or None (the label)."""
        return smooth_overlap if self.observable == "overlap" else None

    # ------------------------------------------------------------------ prediction
    def predict(self, X, definition: dict | None = None):
        """Propensities for one configuration (N, M) -> (N,) or a list of them."""
        if not self._fitted():
            raise RuntimeError("fit or load the model first")
        single = not isinstance(X, (list, tuple))
        X = self._check_inputs([X] if single else X, definition)
        self.net_.eval()
        with torch.no_grad():
            out = [self.net_(self._tensor(x)).squeeze(-1).double().numpy() for x in X]
        return out[0] if single else out

    def score(self, X, y) -> float:
        """Mean Pearson rho_P over configurations (the paper's figure of merit)."""
        return mean_pearson(self.predict(list(X)), y)

    def bottleneck_activations(self, X) -> np.ndarray:
        """The 2 bottleneck values (pre-activation) of every particle (N, bottleneck)."""
        x = self._check_inputs([X], None)[0]
        with torch.no_grad():
            return self.net_[0](self._tensor(x)).double().numpy()

    # ------------------------------------------------------------------ persistence
    def _arrays(self) -> dict:
        if not self._fitted():
            raise RuntimeError("nothing to save: fit the model first")
        state = {f"w::{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()}
        st = self.settings()
        meta = dict(version=__version__, bottleneck=self.bottleneck, hidden=list(self.hidden), loss=self.loss,
                    protocol=self.protocol, epoch_scale=self.epoch_scale, patience=self.patience, seed=self.seed,
                    definition=self.definition_, label_noise=self.label_noise_, observable=self.observable,
                    settings=dict(st, schedule=[list(p) for p in st["schedule"]], distances=list(st["distances"])),
                    overrides={k: getattr(self, k) for k in PROTOCOLS[self.protocol] if getattr(self, k) is not None},
                    validation_rho=self.validation_rho_, history=self.history_[-50:],
                    created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        stamp = provenance_json(parameters=dict(meta, history=None), seeds=self.seed)
        return dict(mean=self.mean_, scale=self.scale_, keep=self.keep_, meta=json.dumps(meta), provenance=stamp,
                    **state)

    @classmethod
    def _from_arrays(cls, data) -> "GlassMLP":
        meta = json.loads(str(data["meta"]))
        if "protocol" in meta:
            overrides = {k: (tuple(tuple(p) for p in v) if k == "schedule" else tuple(v) if k == "distances" else v)
                         for k, v in meta["overrides"].items()}
            model = cls(meta["bottleneck"], tuple(meta["hidden"]), meta["loss"], epoch_scale=meta["epoch_scale"],
                        patience=meta["patience"], seed=meta["seed"], observable=meta["observable"],
                        protocol=meta["protocol"], **overrides)
        else:  # written before protocols existed: glassdyn 0.1's training, its explicit settings
            model = cls(meta["bottleneck"], tuple(meta["hidden"]), meta["loss"],
                        tuple(tuple(p) for p in meta["schedule"]), meta["epoch_scale"], meta["patience"],
                        meta["seed"], tuple(meta["distances"]),
                        min_batches_per_epoch=meta.get("min_batches_per_epoch", 1),
                        observable=meta.get("observable", "field"), protocol="glassdyn-0.1")
        model.mean_, model.scale_ = data["mean"], data["scale"]
        model.keep_ = np.asarray(data["keep"], bool) if "keep" in data else np.ones(model.mean_.size, bool)
        model.definition_ = meta["definition"]
        model.net_ = _network(int(model.keep_.sum()), int(model.bottleneck), tuple(model.hidden))
        model.net_.load_state_dict({k[3:]: torch.from_numpy(data[k]) for k in data if k.startswith("w::")})
        model.history_ = meta["history"]
        model.label_noise_ = meta.get("label_noise", False)
        model.validation_rho_ = meta.get("validation_rho", {})
        return model

    def save(self, path) -> None:
        """One .npz (written atomically): weights, scaler, descriptor definition, settings, seed,
        version, history."""
        atomic_savez(Path(path), **self._arrays())

    @classmethod
    def load(cls, path) -> "GlassMLP":
        data = _read(path)
        if "ensemble" in data:
            raise ValueError(f"{path}: a GlassMLP ensemble; load it with glassdyn.learn.load_model")
        if cls is GlassMLP and json.loads(str(data["meta"])).get("kind") == "transferable":
            raise ValueError(f"{path}: a TransferableGlassMLP (state inputs); load it with "
                             f"TransferableGlassMLP.load or glassdyn.learn.load_model")
        return cls._from_arrays(data)


class GlassMLPEnsemble(BaseEstimator):
    """Mean prediction of ``n_members`` clones of ``estimator`` (default ``GlassMLP()``) trained on the
    same data with seeds ``estimator.seed``, ``estimator.seed + 1``, ...; ``members_`` after ``fit``."""

    def __init__(self, estimator=None, n_members: int = 3):
        self.estimator, self.n_members = estimator, n_members

    def fit(self, *args, **kwargs) -> "GlassMLPEnsemble":
        """Same arguments as :meth:`GlassMLP.fit`."""
        if int(self.n_members) < 1:
            raise ValueError("an ensemble needs at least one member")
        base = GlassMLP() if self.estimator is None else self.estimator
        self.members_ = [clone(base).set_params(seed=base.seed + j).fit(*args, **kwargs)
                         for j in range(int(self.n_members))]
        return self

    def score(self, X, y) -> float:
        """Mean Pearson rho_P over configurations."""
        return mean_pearson(self.predict(list(X)), y)

    def predict(self, X, definition: dict | None = None):
        """Mean of the members' predictions: (N, M) -> (N,) or a list of them."""
        if not hasattr(self, "members_"):
            raise RuntimeError("fit or load the ensemble first")
        preds = [m.predict(X, definition) for m in self.members_]
        if isinstance(X, (list, tuple)):
            return [np.mean(p, axis=0) for p in zip(*preds)]
        return np.mean(preds, axis=0)

    def save(self, path) -> None:
        if not hasattr(self, "members_"):
            raise RuntimeError("nothing to save: fit the ensemble first")
        arrays = {f"m{j}::{k}": v for j, m in enumerate(self.members_) for k, v in m._arrays().items()}
        info = dict(n_members=int(self.n_members), seed=self.members_[0].seed, version=__version__)
        atomic_savez(Path(path), ensemble=json.dumps(info),
                     provenance=provenance_json(parameters=info, seeds=info["seed"]),
                 **arrays)

    @classmethod
    def load(cls, path) -> "GlassMLPEnsemble":
        data = _read(path)
        if "ensemble" not in data:
            raise ValueError(f"{path}: a single GlassMLP, not an ensemble")
        info = json.loads(str(data["ensemble"]))
        ens = cls(n_members=info["n_members"])
        ens.members_ = [GlassMLP._from_arrays({k[len(f"m{j}::"):]: v for k, v in data.items()
                                               if k.startswith(f"m{j}::")}) for j in range(info["n_members"])]
        return ens


def _read(path) -> dict:
    """The arrays of a saved model, with a clear error for anything else."""
    try:
        with np.load(Path(path), allow_pickle=False) as d:
            data = {k: d[k] for k in d.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"{path}: unreadable or not a glassdyn GlassMLP model "
                             f"({type(exc).__name__}: {exc})") from None
    if "meta" not in data and "ensemble" not in data:
        raise InputFileError(f"{path}: not a glassdyn GlassMLP model (no metadata)")
    return data


def load_model(path):
    """A saved :class:`GlassMLP`, :class:`GlassMLPEnsemble` or
    :class:`~glassdyn.learn.transferable.TransferableGlassMLP`, whichever the file holds."""
    data = _read(path)
    if "ensemble" in data:
        return GlassMLPEnsemble.load(path)
    if json.loads(str(data["meta"])).get("kind") == "transferable":
        from .transferable import TransferableGlassMLP

        return TransferableGlassMLP._from_arrays(data)
    return GlassMLP._from_arrays(data)
