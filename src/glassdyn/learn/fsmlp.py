"""FsMLP (Ciarella 2023): S^ab(k), T, rho, interaction, log t  ->  F_s^AA(k_p, t), F_s^BB(k_p, t).

Inputs per row (304): the 300 values S^AA(k_1..k_100), S^AB(...), S^BB(...) of the state, T, rho,
the interaction label (LJ 0, WCA 1) and log10 t.  Hidden layers 500-400-400-300-200 with ReLU,
linear output of 2 values.  Loss: L1 (mean absolute error) + ``lasso`` x sum |w| over the weights.
Inputs are standardised with statistics of the training rows only; data are split *by state point*
(never by row) with :func:`split_states`.  scikit-learn-style ``fit`` / ``predict`` on a library
dict (:func:`glassdyn.workflows.state_library.read_library`) and state indices.
"""
from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator

from .. import __version__
from ..errors import InputFileError
from ..io.atomic import atomic_savez
from ..io.provenance import provenance_json
from ..theory.memory_fit import r2_score  # Ciarella 2023 Eqs. 2-4, shared with the memory fit

__all__ = ["FsMLP", "library_rows", "split_states", "r2_score", "rmse"]


def library_rows(lib, states) -> tuple:
    """(X (R, 304), y (R, 2), state index per row (R,), log10 t (R,)) of the chosen states."""
    X, y, which, logt = [], [], [], []
    for i in states:
        t = lib.times[i]
        ok = np.isfinite(t) & np.all(np.isfinite(lib.Fs[i]), axis=1)
        s = lib.S[i].T.ravel()  # AA(100), AB(100), BB(100)
        if not np.all(np.isfinite(s)):
            s = np.nan_to_num(s, nan=0.0)  # the k = 0 bin holds no wave vector
        head = np.r_[s, lib.temperature[i], lib.rho[i], lib.interaction[i]]
        for tt, f in zip(t[ok], lib.Fs[i][ok]):
            X.append(np.r_[head, np.log10(tt)])
            y.append(f)
            which.append(i)
            logt.append(np.log10(tt))
    if not X:
        raise ValueError("no rows: the chosen states are empty")
    return np.array(X), np.array(y), np.array(which), np.array(logt)


def split_states(n_states: int, test_fraction: float = 0.1, seed: int = 0) -> dict:
    """Random split of state indices into train / test (by state point)."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be in (0, 1)")
    idx = np.random.default_rng(seed).permutation(n_states)
    n_test = max(1, int(round(test_fraction * n_states)))
    if n_test >= n_states:
        raise ValueError(f"cannot split {n_states} states with a test fraction of {test_fraction}")
    return dict(train=sorted(idx[n_test:].tolist()), test=sorted(idx[:n_test].tolist()))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error (Ciarella 2023 SI Eq. S1)."""
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


class FsMLP(BaseEstimator):
    """The Ciarella 2023 network (see module docstring); a scikit-learn estimator.

    Parameters: hidden widths, lasso weight, Adam learning rate, epochs, mini-batch size, seed.
    After ``fit``: ``net_``, ``mean_`` / ``scale_``, ``history_`` (L1 per epoch), ``train_seconds_``.
    """

    def __init__(self, hidden=(500, 400, 400, 300, 200), lasso: float = 1e-6, lr: float = 1e-3,
                 epochs: int = 300, batch_size: int = 128, seed: int = 0, verbose: bool = False):
        self.hidden, self.lasso, self.lr = hidden, lasso, lr
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.verbose = verbose

    def _network(self, n_in: int):
        layers, width = [], n_in
        for h in (int(h) for h in self.hidden):
            layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
            width = h
        layers.append(torch.nn.Linear(width, 2))
        return torch.nn.Sequential(*layers)

    def _scaled(self, X):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.mean_.size:
            raise ValueError(f"FsMLP expects rows of {self.mean_.size} inputs, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("FsMLP inputs contain NaN or inf")
        return torch.from_numpy(((X - self.mean_) / self.scale_).astype(np.float32))

    def fit(self, X, y) -> "FsMLP":
        """Train on rows X (R, 304) and targets y (R, 2) (training states only)."""
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        if X.ndim != 2 or y.shape != (X.shape[0], 2):
            raise ValueError(f"X must be (R, M) and y (R, 2); got {X.shape}, {y.shape}")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError("training rows contain NaN or inf")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 1e-12, std, 1.0)
        torch.manual_seed(self.seed)
        self.net_ = self._network(X.shape[1])
        self.history_ = []
        tx, ty = self._scaled(X), torch.from_numpy(y.astype(np.float32))
        opt = torch.optim.Adam(self.net_.parameters(), lr=float(self.lr))
        weights = [p for n, p in self.net_.named_parameters() if n.endswith("weight")]
        gen = torch.Generator().manual_seed(self.seed)
        t0 = time.perf_counter()
        for epoch in range(int(self.epochs)):
            perm = torch.randperm(len(tx), generator=gen)
            total = 0.0
            for s in range(0, len(tx), int(self.batch_size)):
                b = perm[s:s + int(self.batch_size)]
                opt.zero_grad()
                loss = torch.mean(torch.abs(self.net_(tx[b]) - ty[b]))
                total += loss.item() * len(b)
                if self.lasso > 0:
                    loss = loss + self.lasso * sum(w.abs().sum() for w in weights)
                loss.backward()
                opt.step()
            self.history_.append(total / len(tx))
            if self.verbose and (epoch + 1) % 50 == 0:
                print(f"epoch {epoch + 1}: L1 {self.history_[-1]:.4f}")
        self.train_seconds_ = time.perf_counter() - t0
        return self

    def predict(self, X) -> np.ndarray:
        """(R, 2) predictions F_s^AA, F_s^BB."""
        if not hasattr(self, "net_"):
            raise RuntimeError("fit or load the model first")
        self.net_.eval()
        with torch.no_grad():
            return self.net_(self._scaled(X)).double().numpy()

    def save(self, path, **provenance) -> None:
        state = {f"w::{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()}
        if not hasattr(self, "net_"):
            raise RuntimeError("nothing to save: fit the model first")
        meta = dict(kind="fsmlp", version=__version__, hidden=[int(h) for h in self.hidden], lasso=self.lasso, lr=self.lr,
                    epochs=self.epochs, batch_size=self.batch_size, seed=self.seed,
                    created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), **provenance)
        atomic_savez(Path(path), mean=self.mean_, scale=self.scale_, meta=json.dumps(meta),
                 provenance=provenance_json(parameters=meta, seeds=self.seed), **state)

    @classmethod
    def load(cls, path) -> "FsMLP":
        try:
            data = np.load(Path(path), allow_pickle=False)
            meta = json.loads(str(data["meta"]))
            if meta.get("kind") != "fsmlp":
                raise ValueError("kind is not fsmlp")
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise InputFileError(f"{path}: unreadable or not a glassdyn FsMLP model "
                                 f"({type(exc).__name__}: {exc})") from None
        m = cls(tuple(meta["hidden"]), meta["lasso"], meta["lr"], meta["epochs"], meta["batch_size"], meta["seed"])
        m.mean_, m.scale_ = data["mean"], data["scale"]
        m.net_ = m._network(m.mean_.size)
        m.net_.load_state_dict({k[3:]: torch.from_numpy(data[k]) for k in data.files if k.startswith("w::")})
        m.meta_ = meta
        return m
