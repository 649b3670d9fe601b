"""Model kinds a model folder can hold: ``glassmlp``, ``mlp_mae``, ``ridge`` (registry
:data:`MODEL_KINDS`).

A kind says how to build its estimator from the training options, how to fit it on one label time
and how to load it back; ``train_models`` and the evaluation find every kind here.  A new kind is one
:class:`ModelKind` registered with ``MODEL_KINDS.register("name", ModelKind(...))``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..registry import Registry

__all__ = ["MODEL_KINDS", "ModelKind", "TrainingData"]

MODEL_KINDS = Registry("model kind")


@dataclass
class TrainingData:
    """One label time's data, lists over configurations: X (N_c, M), y (N_c,), positions (N_c, d);
    the validation lists; the box; the descriptor definition; optional label-noise variances."""

    X: list
    y: list
    X_val: list
    y_val: list
    positions: list
    positions_val: list
    box: object
    definition: dict
    label_noise: list | None = None
    label_noise_val: list | None = None


@dataclass(frozen=True)
class ModelKind:
    """display: the name in tables; make(options) -> estimator; fit(estimator, TrainingData);
    load(path) -> estimator."""

    display: str
    make: Callable
    fit: Callable
    load: Callable


def _glassmlp(options: dict, loss: str = "glassmlp"):
    from .glassmlp import GlassMLP, GlassMLPEnsemble

    ensemble = int(options.get("ensemble", 1))
    if ensemble < 1:
        raise ValueError("ensemble must be >= 1")
    kwargs = dict(seed=options.get("seed", 0), epoch_scale=options.get("epoch_scale", 1.0), loss=loss,
                  protocol=options.get("protocol", "reference"))
    if loss == "glassmlp":
        kwargs["observable"] = options.get("observable", "field")
        if options.get("distances") is not None:
            kwargs["distances"] = tuple(float(d) for d in options["distances"])
    net = GlassMLP(**kwargs)
    return net if ensemble == 1 else GlassMLPEnsemble(net, n_members=ensemble)


def _load_net(path):
    from .glassmlp import load_model

    return load_model(path)


def _load_ridge(path):
    from .baselines import RidgeBaseline

    return RidgeBaseline.load(path)


def _ridge(options: dict):
    from .baselines import RidgeBaseline

    return RidgeBaseline(alpha=options.get("ridge_alpha", 10.0))


MODEL_KINDS.register("glassmlp", ModelKind(
    "GlassMLP", _glassmlp,
    lambda m, d: m.fit(d.X, d.y, d.X_val, d.y_val, d.positions, d.positions_val, box=d.box,
                       definition=d.definition, label_noise=d.label_noise, label_noise_val=d.label_noise_val),
    _load_net))
MODEL_KINDS.register("mlp_mae", ModelKind(
    "MLP(mae)", lambda o: _glassmlp(o, loss="mae"),
    lambda m, d: m.fit(d.X, d.y, d.X_val, d.y_val, definition=d.definition), _load_net))
MODEL_KINDS.register("ridge", ModelKind(
    "Ridge", _ridge, lambda m, d: m.fit(d.X, d.y, definition=d.definition), _load_ridge))
