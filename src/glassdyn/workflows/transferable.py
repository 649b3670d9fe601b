"""The temperature-transferable GlassMLP on campaign stores (issue 19): one network trained on
stores at several temperatures, applied at any (T, t), below the training range included.

``train_transferable(stores, out)`` writes a model folder: ``transferable.npz`` (a
:class:`~glassdyn.learn.transferable.TransferableGlassMLP`) and ``models.json`` (``kind =
"transferable"``, the training temperatures with each store's measured tau_alpha^BB, the time indices
and times used per store, each store's split by configuration with its fingerprints, the
descriptor definition).  :func:`~glassdyn.workflows.learning.predict_store`,
``predict_configurations`` and ``evaluate_store`` take such a folder with a ``state`` (temperature,
times): ``glassdyn predict --temperature T --time t`` and ``glassdyn evaluate``.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..dynamics.propensity import LABELS
from ..io.models import TRANSFERABLE_FILE
from ..io.provenance import save_json
from ..io.stores import read_store
from ..structure.coarse_grain import REFERENCE_CUTOFF
from .learning import (check_model_output, describe_store, label_time_indices, model_folder_output,
                       split_configurations, tau_alpha_bb)

__all__ = ["train_transferable", "label_time_indices", "tau_alpha_bb", "resolve_state", "matched_time_ridge",
           "matched_time_model"]

log = logging.getLogger(__name__)


def matched_time_model(stores, features, splits, taus, t_over_tau: float, definition: dict, kind: str = "ridge",
                       options: dict | None = None, label: str = "bond_breaking", species: int = 0):
    """One model of ``kind`` (any of MODEL_KINDS: "ridge", "glassmlp", "mlp_mae"), without a state
    input, fitted on several stores' labels at the same t / tau_alpha^BB: each store contributes its
    training configurations (``splits[k]["train"]``) at its stored time nearest (in log t) to
    ``t_over_tau`` x its tau, and its validation configurations for early stopping.  ``features``:
    per store (S, N, M) descriptors of ``definition``.  Temperature differences of its predictions
    come from the structure alone: the structure-only reference of a temperature-input network,
    and a way to train on several temperatures' data at once.  ``options``: the kind's training
    options (seed, epoch_scale, protocol, ridge_alpha)."""
    from ..learn.model_kinds import MODEL_KINDS, TrainingData

    box = stores[0].box
    if any(not np.allclose(s.box, box) for s in stores):
        raise ValueError("matched-time training needs stores of one box (the spatial loss term)")
    parts = {k: ([], [], []) for k in ("train", "validation")}
    for store, X, split, tau in zip(stores, features, splits, taus):
        if not np.isfinite(tau) or tau <= 0:
            raise ValueError(f"{store.path}: tau_alpha^BB is not measured (labels never reach C_B = 0.5)")
        mask = store.types == species
        y = store.labels(label)
        # the nearest stored time (in log t) at which the labels vary in every configuration
        j = min(label_time_indices(store, label, species), key=lambda j: abs(np.log(store.times[j] / (t_over_tau * tau))))
        for k, (xs, ys, ps) in parts.items():
            for c in split[k]:
                xs.append(X[c][mask])
                ys.append(y[c, j][mask])
                ps.append(store.inherent[c][mask])
    (X, y, P), (Xv, yv, Pv) = parts["train"], parts["validation"]
    if kind != "ridge" and not Xv:
        raise ValueError(f"matched-time {kind} needs validation configurations (early stopping)")
    model_kind = MODEL_KINDS.get(kind)
    model = model_kind.make(dict(options or {}))
    model_kind.fit(model, TrainingData(X, y, Xv, yv, P, Pv, box, definition))
    return model


def matched_time_ridge(stores, features, configurations, taus, t_over_tau: float, definition: dict,
                       label: str = "bond_breaking", species: int = 0, alpha: float = 10.0):
    """Ridge of :func:`matched_time_model` on the given ``configurations`` of each store."""
    splits = [dict(train=list(c), validation=[]) for c in configurations]
    return matched_time_model(stores, features, splits, taus, t_over_tau, definition, "ridge",
                              dict(ridge_alpha=alpha), label, species)


def resolve_state(meta: dict, model, state: dict | None) -> tuple:
    """(T, times, tau {T: tau} or None, extrapolation notes) of a prediction ``state`` =
    dict(temperature, times, tau=None) with a transferable folder's ``meta`` and model; tau (for a
    t/tau time input) from the state, else the folder's measured value at T; clear errors."""
    if not state or state.get("temperature") is None or not state.get("times"):
        raise ValueError("a temperature-transferable model predicts at a state: give the temperature and the "
                         "times (glassdyn predict --temperature T --time t ...)")
    T, times = float(state["temperature"]), [float(t) for t in state["times"]]
    tau = None
    if model.time_input == "t_over_tau":
        recorded = {float(k): v for k, v in meta["tau_alpha_bb"].items()}
        value = state.get("tau") or recorded.get(T)
        if value is None:
            raise ValueError(f"this model's time input is t / tau_alpha^BB: give tau_alpha^BB at T = {T:g} (--tau); "
                             f"it records tau only at {sorted(recorded)}")
        tau = {T: float(value)}
    notes = list(dict.fromkeys(n for t in times for n in model.extrapolation_notes(T, t, tau)))
    return T, times, tau, notes


def train_transferable(stores, out, label: str = "bond_breaking", species: int = 0, n_times: int | None = 8,
                       time_input: str = "log_t", epoch_scale: float = 1.0, seed: int = 0,
                       cutoff: float = REFERENCE_CUTOFF, observable: str | None = None,
                       progress: bool = False, descriptors=None, protocol: str = "reference",
                       overwrite: bool = False) -> dict:
    """Train one TransferableGlassMLP on campaign stores at two or more temperatures.

    Each store is split by configuration (its own split, e.g. GlassBench's, else train / validation /
    test thirds with ``seed``); the model trains on the training configurations of every store at
    ``n_times`` label times per store (:func:`label_time_indices`) and stops early on the validation
    configurations.  time_input "log_t" (log10 t) or "t_over_tau" (log10 t / tau_alpha^BB(T), with
    each store's measured tau).  ``descriptors``: optional list, per store, of
    :func:`~glassdyn.workflows.learning.describe_store`'s (features, definition), computed once
    when several trainings share stores.  Returns the folder's ``models.json`` content.
    """
    from ..learn.transferable import TransferableGlassMLP

    check_model_output(out, overwrite)
    paths = [Path(p) for p in stores]
    if len({p.resolve() for p in paths}) != len(paths):
        raise ValueError("the same store is given twice")
    if epoch_scale is None or not (np.isfinite(epoch_scale) and epoch_scale > 0):
        raise ValueError(f"epoch_scale must be a positive number, got {epoch_scale}")
    observable = observable or LABELS.get(label).observable
    t0 = time.perf_counter()
    data = {k: dict(X=[], y=[], T=[], times=[], pos=[]) for k in ("train", "validation")}
    records, definition, box, first = [], None, None, None
    if descriptors is not None and len(descriptors) != len(paths):
        raise ValueError(f"descriptors: {len(descriptors)} entries for {len(paths)} stores")
    for i, path in enumerate(paths):
        store = read_store(path)
        system = store.system
        if first is None:
            first, box = system, store.box
        elif system["potential"] != first["potential"]:
            raise ValueError(f"{path}: another potential than {paths[0]} (one model per system)")
        elif not np.allclose(store.box, box):
            raise ValueError(f"{path}: box {store.box.tolist()} differs from {paths[0]}'s {box.tolist()} "
                             "(the spatial loss term needs one box)")
        if species not in set(store.types.tolist()):
            raise ValueError(f"{path}: species {species} not in the store")
        split = store.split or split_configurations(len(store), seed=seed)
        X_all, this = (describe_store(store, cutoff=cutoff, progress=progress) if descriptors is None
                       else descriptors[i])
        if len(X_all) != len(store):
            raise ValueError(f"{path}: descriptors of {len(X_all)} configurations for {len(store)}")
        if definition is not None and this != definition:
            raise ValueError(f"{path}: descriptor definition differs from {paths[0]}'s")
        definition = this
        t_idx = label_time_indices(store, label, species, n_times)
        y_all = store.labels(label)
        mask = store.types == species
        times = store.times[t_idx]
        tau = tau_alpha_bb(store, species) if "bond_breaking" in store.label else float("nan")
        for k in ("train", "validation"):
            for c in split[k]:
                data[k]["X"].append(X_all[c][mask])
                data[k]["y"].append(y_all[c][t_idx][:, mask])
                data[k]["T"].append(store.temperature)
                data[k]["times"].append(times)
                data[k]["pos"].append(store.inherent[c][mask])
        records.append(dict(store=str(path.resolve()), temperature=store.temperature, tau_alpha_bb=tau,
                            time_indices=[int(j) for j in t_idx], times=times.tolist(), split=split,
                            fingerprints={k: [store.fingerprints[c] for c in v] for k, v in split.items()}))
        if progress:
            log.info(f"  {path.name}: T = {store.temperature:g}, tau_alpha^BB = {tau:.4g}, {len(split['train'])} "
                     f"training configurations x {len(t_idx)} times")
    taus = {}
    for r in records:
        if r["temperature"] in taus and not np.isclose(taus[r["temperature"]], r["tau_alpha_bb"], rtol=0.5):
            raise ValueError(f"two stores at T = {r['temperature']} with tau_alpha^BB {taus[r['temperature']]:.4g} "
                             f"and {r['tau_alpha_bb']:.4g}: not the same state")
        taus.setdefault(r["temperature"], r["tau_alpha_bb"])
    if len(taus) < 2:
        raise ValueError(f"a temperature-transferable model needs stores at two or more temperatures (got T = "
                         f"{sorted(taus)}): with one temperature its T input cannot be learnt; train a plain "
                         f"model folder and predict at other temperatures at matched t/tau_alpha")
    if time_input == "t_over_tau" and not all(np.isfinite(v) for v in taus.values()):
        raise ValueError(f"time_input='t_over_tau' needs tau_alpha^BB of every store; measured {taus} (run the "
                         "replicas past tau_alpha^BB, or use time_input='log_t')")
    model = TransferableGlassMLP(epoch_scale=epoch_scale, seed=seed, observable=observable, time_input=time_input,
                                 protocol=protocol)
    tr, va = data["train"], data["validation"]
    model.fit_states(tr["X"], tr["y"], tr["T"], tr["times"], tr["pos"], box, definition, tau=taus,
                     validation=(va["X"], va["y"], va["T"], va["times"], va["pos"]))
    with model_folder_output(out, overwrite) as tmp:
        return _write_transferable(tmp, model, records, taus, definition, first, paths, dict(
            label=label, species=int(species), time_input=time_input, seed=seed, epoch_scale=epoch_scale,
            observable=observable, n_times=n_times, protocol=protocol, cutoff=cutoff), t0)


def _write_transferable(out, model, records, taus, definition, first, paths, options, t0) -> dict:
    """The model and ``models.json`` of a transferable folder into ``out``; returns the metadata."""
    label, species, time_input = options["label"], options["species"], options["time_input"]
    seed, epoch_scale, observable, n_times = (options[k] for k in ("seed", "epoch_scale", "observable", "n_times"))
    protocol, cutoff = options["protocol"], options["cutoff"]
    model.save(out / TRANSFERABLE_FILE)
    meta = dict(version=__version__, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), kind="transferable",
                kinds=["transferable"], label=label, species=int(species), time_input=time_input,
                training_temperatures=model.training_temperatures_, tau_alpha_bb={str(T): v for T, v in taus.items()},
                training_time_range=list(model.training_time_range_), stores=records, definition=definition,
                system=json.dumps(first), seed=seed, epoch_scale=epoch_scale,
                observable=observable, n_times=n_times, train_seconds=time.perf_counter() - t0, protocol=protocol,
                fingerprints={k: [f for r in records for f in r["fingerprints"][k]] for k in ("train", "validation")})
    save_json(out / "models.json", meta, parameters=dict(label=label, species=int(species), n_times=n_times,
                                                          time_input=time_input, epoch_scale=epoch_scale,
                                                          cutoff=cutoff, observable=observable),
              seeds=seed, inputs=[str(p) for p in paths])
    return meta
