"""GlassMLP pipeline on campaign stores: describe -> split -> train -> predict -> evaluate.

A *model folder* holds one GlassMLP (and optionally the baselines) per label time:
``glassmlp_t{i}.npz``, ``mlp_mae_t{i}.npz``, ``ridge_t{i}.npz`` and ``models.json`` (label kind,
species, times, split by configuration, descriptor definition, training store and seeds).  The
descriptor definition (the reference's by default: cut-off 20, radical Voronoi radii) travels with
the model, so predictions on other systems use the coarse-graining of the training data.
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .. import __version__
from ..dynamics.propensity import LABELS
from ..dynamics.relaxation import relaxation_time
from ..errors import InputFileError
from ..io.provenance import save_json, save_npz
from ..learn.model_kinds import MODEL_KINDS, TrainingData
from ..structure.coarse_grain import REFERENCE_CUTOFF
from ..structure.descriptors import GlassMLPDescriptors, descriptor_from_definition
from ..systems.configuration import Configuration
from ..systems.potentials import potential_from_dict
from ..io.models import ModelFolder, read_model_folder
from ..io.stores import CampaignStore, read_store

__all__ = ["describe_store", "split_configurations", "train_models", "load_models", "predict", "display_name",
           "predict_store", "predict_configurations", "unseen_configurations", "evaluate_store", "tau_alpha_bb",
           "matched_state", "check_state_value", "label_time_indices"]

log = logging.getLogger(__name__)

DEFAULT_KINDS = ("glassmlp", "mlp_mae", "ridge")


def describe_store(store: CampaignStore, cutoff: float = REFERENCE_CUTOFF, progress: bool = False,
                   configurations=None, descriptor=None) -> tuple:
    """Descriptors of the inherent structures of a campaign store (default all configurations).

    Returns (features (S, N, M), definition dict).  descriptor: any descriptor of the registry
    :data:`~glassdyn.structure.descriptors.DESCRIPTORS` (default GlassMLP's with ``cutoff``, the
    reference's 20; half the box makes descriptors exactly invariant under periodic tiling).
    """
    from tqdm import tqdm

    if store.inherent is None:
        raise InputFileError("the store has no inherent structures (run the campaign with quenches)")
    system = store.system
    pot = potential_from_dict(system["potential"])
    box = store.box
    desc = descriptor or GlassMLPDescriptors(cutoff=cutoff, n_species=pot.n_species)
    idx = range(len(store)) if configurations is None else configurations
    feats = []
    for x, e in tqdm([(store.inherent[c], store.energy_per_particle[c]) for c in idx],
                     desc="descriptors", disable=not progress):
        feats.append(desc.compute(Configuration(x, store.types, box), pot, per_particle_energy=e).features)
    return np.array(feats), desc.definition()


def tau_alpha_bb(store: CampaignStore, species: int = 0) -> float:
    """tau_alpha^BB of a store: where the mean C_B of ``species`` reaches 0.5 (seed 000); NaN when the
    labels never get there."""
    cb = store.labels("bond_breaking")[:, :, store.types == species].mean(axis=(0, 2))
    return relaxation_time(store.times, cb, 0.5)


def label_time_indices(store: CampaignStore, label: str, species: int, n_times: int | None = None) -> list:
    """Time indices of a store at which the labels of ``species`` vary over particles in every
    configuration (t > 0; the loss divides by their variance), ``n_times`` of them evenly spread in
    index (log-spaced for glassdyn's log-spaced times; default all)."""
    if n_times is not None and int(n_times) < 1:
        raise ValueError(f"n_times must be at least 1, got {n_times}")
    y = store.labels(label)[:, :, store.types == species]
    valid = [j for j, t in enumerate(store.times) if t > 0 and y[:, j].var(axis=1).min() > 0]
    if not valid:
        raise ValueError(f"{store.path}: the {label} labels never vary over particles (no relaxation yet)")
    if n_times is None or len(valid) <= n_times:
        return valid
    return [valid[k] for k in np.unique(np.round(np.linspace(0, len(valid) - 1, int(n_times))).astype(int))]


def split_configurations(n: int, fractions=(1 / 3, 1 / 3), seed: int = 0) -> dict:
    """Random split of n configurations into train / validation / test (by configuration)."""
    if n < 3:
        raise ValueError(f"need at least 3 configurations to split into train/validation/test, got {n}")
    idx = np.random.default_rng(seed).permutation(n)
    n_train = max(1, int(round(fractions[0] * n)))
    n_val = max(1, int(round(fractions[1] * n)))
    n_val = min(n_val, n - n_train - 1)
    return dict(train=sorted(idx[:n_train].tolist()), validation=sorted(idx[n_train:n_train + n_val].tolist()),
                test=sorted(idx[n_train + n_val:].tolist()))


def train_models(store_path, out, label: str = "bond_breaking", species: int = 0, times=None,
                 kinds=DEFAULT_KINDS, epoch_scale: float = 1.0, seed: int = 0, split=None,
                 ridge_alpha: float = 10.0, observable: str | None = None, noise_corrected: bool = False,
                 distances=None, ensemble: int = 1, cutoff: float = REFERENCE_CUTOFF, progress: bool = False,
                 descriptor=None, descriptors: tuple | None = None, protocol: str = "reference",
                 overwrite: bool = False) -> dict:
    """Train the chosen model kinds at the chosen time indices on a campaign store (default every
    time at which the labels vary in every training and validation configuration; the others are
    skipped, logged and recorded as ``skipped_time_indices``).

    observable : field of GlassMLP's variance and C(d) loss terms; default "overlap" for displacement
        labels (paper SM VI), "field" for bond breaking.
    noise_corrected : remove the replica noise <Var_replicas>/n of the labels from those targets
        (needs the store's replica variances; glassdyn option, not the paper's).
    distances : shell distances d of the C(d) term (default the protocol's: 2, 5, 8 in the reference).
    protocol : GlassMLP training protocol (``glassdyn.learn.glassmlp.PROTOCOLS``; default the
        reference program's, "paper" for the paper's text).
    overwrite : replace a folder that already holds models (see :func:`model_folder_output`).
    ensemble : > 1 trains that many seeds (seed, seed + 1, ...) of GlassMLP and MLP(mae) and
        predicts with their mean.
    cutoff : coarse-graining cut-off of the descriptors (default the reference's 20).
    descriptor : another descriptor of the registry (an instance; default GlassMLP's with ``cutoff``).
    descriptors : (features (S, N, M), definition) of :func:`describe_store`, when already computed.
    """
    check_model_output(out, overwrite)
    store = read_store(store_path)
    observable = observable or LABELS.get(label).observable
    for kind in kinds:
        MODEL_KINDS.get(kind)
    options = dict(seed=seed, ensemble=ensemble, epoch_scale=epoch_scale, observable=observable,
                   ridge_alpha=ridge_alpha, distances=distances, protocol=protocol)
    from ..learn.glassmlp import GlassMLP

    settings = GlassMLP(protocol=protocol, distances=distances, epoch_scale=epoch_scale).settings()
    y_all = store.labels(label)
    S, T, N = y_all.shape
    types = store.types
    if species not in set(types.tolist()):
        raise ValueError(f"species {species} not in the store (species {sorted(set(types.tolist()))})")
    if times is not None:
        times = [int(t) for t in times]
        if not times or any(t < 0 or t >= T for t in times):
            raise ValueError(f"time indices must be in [0, {T - 1}]")
    if split is None:  # a data set's own split (GlassBench train / test), if any
        split = store.split
    split = split or split_configurations(S, seed=seed)
    if any(not split.get(k) for k in ("train", "validation")):
        raise ValueError(f"the split has an empty training or validation set ({ {k: len(v) for k, v in split.items()} })")
    skipped = []
    if times is None:
        try:
            times = label_time_indices(store, label, species)
        except ValueError:
            raise ValueError("the labels are constant at every time in some configuration: nothing to train") from None
        skipped = [t for t in range(T) if t not in times]
        if skipped:
            log.info(f"skipped {len(skipped)} label times where some configuration's labels are constant (no "
                     f"particle has moved yet): t = {', '.join(f'{store.times[t]:.3g}' for t in skipped)}")
    X_all, definition = (describe_store(store, cutoff=cutoff, progress=progress, descriptor=descriptor)
                         if descriptors is None else descriptors)
    if len(X_all) != S:
        raise ValueError(f"descriptors of {len(X_all)} configurations for a store of {S}")
    mask = types == species
    box = store.box
    pos = store.inherent
    sel = {k: [X_all[c][mask] for c in v] for k, v in split.items()}
    P = {k: [pos[c][mask] for c in v] for k, v in split.items()}
    t0 = time.perf_counter()
    noise = _label_noise(store, label, mask) if noise_corrected else None  # (S, T) or None
    with model_folder_output(out, overwrite) as tmp:
        meta = _train_times(store, store_path, tmp, times, kinds, options, split, sel, P, y_all, mask, box,
                            definition, noise, progress, t0, dict(
                                label=label, species=int(species), skipped_time_indices=skipped,
                                protocol=protocol, seed=seed, epoch_scale=epoch_scale, ridge_alpha=ridge_alpha,
                                observable=observable, noise_corrected=bool(noise_corrected),
                                ensemble=int(ensemble), distances=list(settings["distances"])))
    return meta


def _train_times(store, store_path, out, times, kinds, options, split, sel, P, y_all, mask, box, definition,
                 noise, progress, t0, recorded) -> dict:
    """The models of every label time and ``models.json`` into ``out``; returns the metadata."""
    label, species = recorded["label"], recorded["species"]
    for t in times:
        y = {k: [y_all[c, t][mask] for c in v] for k, v in split.items()}
        nu = None if noise is None else {k: [noise[c, t] for c in v] for k, v in split.items()}
        data = TrainingData(sel["train"], y["train"], sel["validation"], y["validation"], P["train"],
                            P["validation"], box, definition, nu and nu["train"], nu and nu["validation"])
        for kind in kinds:
            m = MODEL_KINDS.get(kind).make(options)
            MODEL_KINDS.get(kind).fit(m, data)
            m.save(out / f"{kind}_t{t}.npz")
        if progress:
            log.info(f"  t = {store.times[t]:.4g}: trained {', '.join(kinds)} "
                f"({time.perf_counter() - t0:.0f} s so far)")
    meta = dict(version=__version__, created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), **recorded, time_indices=times,
                times=[float(store.times[t]) for t in times], kinds=list(kinds), split=split,
                definition=definition, store=str(Path(store_path).resolve()),
                fingerprints={k: [store.fingerprints[c] for c in v] for k, v in split.items()},
                train_seconds=time.perf_counter() - t0,
                system=store.attrs["system"], temperature=store.temperature,
                tau_alpha_bb=tau_alpha_bb(store, species) if "bond_breaking" in store.label else float("nan"))
    save_json(out / "models.json", meta, parameters=dict(options, label=label, species=species,
                                                          kinds=list(kinds), times=times),
              seeds=recorded["seed"], inputs=[store_path])
    return meta


def check_model_output(out, overwrite: bool = False) -> None:
    """Refuse an output that is a file, or a folder already holding models unless ``overwrite``
    (checked before training starts, and again under the lock)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} exists and is not a folder")
    if out.is_dir() and not overwrite and _model_files(out):
        raise ValueError(f"{out} already holds models (of another run): choose another folder or pass "
                         "--overwrite (overwrite=True) to replace them")


def _model_files(folder: Path) -> list:
    """The files of a model folder: every kind's per-time models, the transferable model, models.json."""
    from ..io.models import TRANSFERABLE_FILE

    files = [f for kind in MODEL_KINDS.names() for f in folder.glob(f"{kind}_t*.npz")]
    return files + [f for f in (folder / TRANSFERABLE_FILE, folder / "models.json") if f.exists()]


@contextmanager
def model_folder_output(out, overwrite: bool = False):
    """Write a model folder as one unit: ``with model_folder_output(out) as tmp:`` writes into a
    sibling temporary folder; when the block completes the previous models are removed (models.json
    first) and the new files moved in, models.json last, so a killed or failed training leaves the
    previous models untouched or a folder without models.json (refused on read), never a mix.  Other
    files in ``out`` are left alone.  An exclusive lock on ``out`` refuses a concurrent run; a folder
    already holding models is refused unless ``overwrite``."""
    import os
    import shutil

    from .executor import OutputLock

    out = Path(out)
    with OutputLock(out):
        check_model_output(out, overwrite)
        for stale in out.parent.glob(f".{out.name}.partial-*"):  # left by a killed run
            shutil.rmtree(stale, ignore_errors=True)
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        tmp.mkdir(parents=True)
        try:
            yield tmp
            out.mkdir(parents=True, exist_ok=True)
            old = _model_files(out)
            for f in sorted(old, key=lambda f: f.name != "models.json"):  # the manifest goes first
                f.unlink()
            new = sorted(tmp.iterdir(), key=lambda f: f.name == "models.json")  # and comes back last
            for f in new:
                os.replace(f, out / f.name)
            fd = os.open(out, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _label_noise(store: CampaignStore, label: str, mask) -> np.ndarray:
    """Label noise nu[c, t] = <Var_replicas(X_i)>_i / n_replicas over the selected particles."""
    key = f"{label}_var"
    if key not in store.label:
        raise ValueError("noise correction needs the replica variances of the labels, which this store lacks "
                         "(its replicas ran before glassdyn recorded them, or a configuration has a single "
                         "replica); train without noise correction")
    var = np.asarray(store.label[key], dtype=float)[:, :, mask]
    return var.mean(axis=2) / store.replicas_done.astype(float)[:, None]


def model_descriptor(meta: dict):
    """The descriptor of a model folder, from its recorded definition; refuses folders made with a
    descriptor definition this version does not compute."""
    return descriptor_from_definition(meta.get("definition", {}))


#: the model folder at a path (:class:`~glassdyn.io.models.ModelFolder`; ``meta, models =
#: load_models(folder)`` unpacks it)
load_models = read_model_folder


def _loaded(folder) -> ModelFolder:
    """``folder`` itself when already loaded, else the model folder at that path."""
    return folder if isinstance(folder, ModelFolder) else read_model_folder(folder)


def predict(folder, features, definition: dict, kinds=None, state: dict | None = None) -> dict:
    """Predictions {kind: (S, T_models, N)} for descriptor arrays (S, N, M) of any system size,
    computed with ``definition`` (``GlassMLPDescriptors.definition()``; refused unless it is the
    models' own); particles of other species than the model's are NaN.  A temperature-transferable
    folder predicts at ``state`` = dict(temperature, times, tau=None): {"transferable": (S, n_times, N)}."""
    meta, models = _loaded(folder)
    return _predict(meta, models, features, None, definition, kinds, state)


def _predict(meta, models, features, types, definition, kinds=None, state=None):
    feats = np.asarray(features, dtype=float)
    if meta.get("kind") == "transferable":
        return {"transferable": _predict_state(meta, models["transferable"][0], feats, types, definition, state)}
    if state is not None:  # a one-temperature folder asked at a state: the matched reduced times
        return _predict_matched(meta, models, feats, types, definition, kinds, state)
    out = {}
    for kind in kinds or meta["kinds"]:
        res = np.full(feats.shape[:1] + (len(meta["time_indices"]),) + feats.shape[1:2], np.nan)
        for s, x in enumerate(feats):
            mask = np.ones(len(x), bool) if types is None else np.asarray(types[s]) == meta["species"]
            for j, m in enumerate(models[kind]):
                res[s, j, mask] = m.predict(x[mask], definition=definition)
        out[kind] = res
    return out


def check_state_value(name: str, value, allow_none: bool = True):
    """A temperature, time or tau as a finite positive float (None passes when allowed): the one check
    of state values at the boundary (CLI and API)."""
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be finite and positive, got {value!r}")
    return v


def matched_state(meta: dict, state: dict) -> dict:
    """A prediction request ``state`` = dict(temperature, times, tau=None) for a one-temperature
    model folder, resolved to the matched reduced times t_train = t tau_train / tau(T).

    tau_train: the folder's measured tau_alpha^BB (recorded at training; for older folders measured
    from the training store when it is still at its recorded path).  tau(T): ``tau``, or tau_train
    when T is the training temperature; never a constant.  Matched times outside the trained times
    are refused (the models are interpolated in log t between them, not extrapolated).  Returns
    dict(temperature, times, tau, tau_train, matched_times, notes)."""
    T = check_state_value("temperature", state.get("temperature"), allow_none=False)
    times = [check_state_value("time", t, allow_none=False) for t in (state.get("times") or [])]
    if not times:
        raise ValueError("give the times to predict at (--time)")
    tau = check_state_value("tau", state.get("tau"))
    T_train = float(meta["temperature"])
    tau_train = float(meta.get("tau_alpha_bb", np.nan))
    if not np.isfinite(tau_train) and meta.get("store") and Path(meta["store"]).is_file():
        tau_train = tau_alpha_bb(read_store(meta["store"]), int(meta["species"]))
    if not np.isfinite(tau_train):
        raise ValueError(f"these models do not know tau_alpha^BB at their training temperature T = {T_train:g} "
                         "(not recorded, training store not found or its labels never reach C_B = 0.5): the "
                         "matched time t tau_train / tau(T) cannot be formed")
    if tau is None:
        if not np.isclose(T, T_train, rtol=1e-9, atol=0):
            raise ValueError(f"T = {T:g} is not the training temperature {T_train:g}: give tau_alpha^BB at "
                             f"T = {T:g} (--tau) for the matched time t tau_train / tau(T)")
        tau = tau_train
    trained = np.asarray(meta["times"], dtype=float)
    matched = [t * tau_train / tau for t in times]
    lo, hi = trained.min(), trained.max()
    outside = [f"{t:g} (t/tau = {t / tau:.3g})" for t, m in zip(times, matched)
               if not lo * (1 - 1e-9) <= m <= hi * (1 + 1e-9)]
    if outside:
        raise ValueError(f"t = {', '.join(outside)} at T = {T:g} matches training times outside the trained "
                         f"range t/tau = [{lo / tau_train:.3g}, {hi / tau_train:.3g}] (t = [{lo:.4g}, {hi:.4g}] at "
                         f"T = {T_train:g}): the models are not extrapolated in time; train at more times")
    notes = []
    if not np.isclose(T, T_train, rtol=1e-9, atol=0):
        notes.append(f"T = {T:g} is not the training temperature {T_train:g}: predicted with the T = {T_train:g} "
                     f"models at the matched reduced time t/tau_alpha^BB (tau = {tau:.4g} at T = {T:g}, "
                     f"{tau_train:.4g} at T = {T_train:g}; training times " + ", ".join(f"{m:.4g}" for m in matched)
                     + ", interpolated in log t between the trained times)")
    return dict(temperature=T, times=times, tau=tau, tau_train=tau_train, matched_times=matched, notes=notes)


def _predict_matched(meta, models, feats, types, definition, kinds, state):
    """{kind: (S, n_times, N)}: a one-temperature folder's predictions at the matched times of
    :func:`matched_state`, linear in log t between the two bracketing trained times."""
    resolved = matched_state(meta, state)
    trained = np.log(np.asarray(meta["times"], dtype=float))
    order = np.argsort(trained)
    per_time = _predict(meta, models, feats, types, definition, kinds)
    out = {}
    for kind, p in per_time.items():
        p = p[:, order]
        res = np.empty((p.shape[0], len(resolved["times"]), p.shape[2]))
        for j, m in enumerate(np.log(resolved["matched_times"])):
            k = int(np.clip(np.searchsorted(trained[order], m) - 1, 0, len(order) - 2)) if len(order) > 1 else 0
            if len(order) == 1:
                res[:, j] = p[:, 0]
                continue
            w = np.clip((m - trained[order][k]) / (trained[order][k + 1] - trained[order][k]), 0.0, 1.0)
            res[:, j] = (1 - w) * p[:, k] + w * p[:, k + 1]
        out[kind] = res
    return out


def _predict_state(meta, model, feats, types, definition, state):
    """(S, n_times, N) predictions of a temperature-transferable model at ``state``; one
    ExtrapolationWarning per distinct note (not one per configuration)."""
    import warnings

    from ..learn.transferable import ExtrapolationWarning
    from .transferable import resolve_state

    T, times, tau, notes = resolve_state(meta, model, state)
    for note in notes:
        warnings.warn(note, ExtrapolationWarning, stacklevel=3)
    res = np.full((len(feats), len(times), feats.shape[1]), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        for s, x in enumerate(feats):
            mask = np.ones(len(x), bool) if types is None else np.asarray(types[s]) == meta["species"]
            for j, t in enumerate(times):
                res[s, j, mask] = model.predict_state(x[mask], T, t, definition=definition, tau=tau)
    return res


def predict_configurations(folder, configurations, potential, state: dict | None = None, inherent=None) -> dict:
    """Quench each configuration with ``potential`` (or take ``inherent``: a list of
    (Configuration, per-particle energies) already quenched), describe it with the models'
    descriptor definition and predict: dict(meta, predictions {kind: (S, T_models, N)}, positions
    (S, N, d) of the inherent structures, types (N,)).  ``state``: for a temperature-transferable
    folder, dict(temperature, times, tau=None)."""
    from .inherent import inherent_structure

    meta, models = _loaded(folder)
    desc = model_descriptor(meta)
    if len({c.n_particles for c in configurations}) != 1:
        raise ValueError("all input configurations must have the same number of particles")
    check_input_system(meta, [c.box for c in configurations], [np.bincount(c.types) for c in configurations])
    if inherent is None:
        inherent = [(q.configuration, q.per_particle_energy)
                    for q in (inherent_structure(c, potential) for c in configurations)]
    feats = np.array([desc.compute(conf, potential, per_particle_energy=e).features for conf, e in inherent])
    types = configurations[0].types
    preds = _predict(meta, models, feats, [c.types for c in configurations], desc.definition(), state=state)
    mask = [c.types == meta["species"] for c in configurations]
    return dict(meta=meta, predictions=preds, positions=np.array([conf.positions for conf, _ in inherent]), types=types,
                notes=domain_notes(meta, models, feats, mask, preds))


def check_input_system(meta: dict, boxes, counts) -> None:
    """Refuse input configurations the models cannot describe (InputFileError naming the field): a
    number density other than the training one (1 %), or another box when the descriptors' cut-off
    exceeds half the training box (then they depend on the box: train with --cutoff <= L/2 to
    transfer).  Folders that did not record their system are not checked."""
    system = json.loads(meta["system"]) if isinstance(meta.get("system"), str) else (meta.get("system") or {})
    if "box" not in system or "counts" not in system:
        return
    train_box, n_train = np.asarray(system["box"], float), float(np.sum(system["counts"]))
    cutoff = float(meta.get("definition", {}).get("cutoff", 0.0))
    for box, c in zip(boxes, counts):
        box = np.asarray(box, float)
        rho, rho_train = float(np.sum(c)) / np.prod(box), n_train / np.prod(train_box)
        if not np.isclose(rho, rho_train, rtol=0.01):
            raise InputFileError(f"number density {rho:.4g} of the input differs from the training {rho_train:.4g} "
                                 "(density field): the models know one density")
        if box.shape != train_box.shape:
            raise InputFileError(f"a {box.size}-dimensional box for models of a {train_box.size}-dimensional system "
                                 "(box field)")
        if not np.allclose(box, train_box) and cutoff > 0.5 * train_box.min() + 1e-9:
            raise InputFileError(f"box {box.tolist()} differs from the training box {train_box.tolist()} and the "
                                 f"descriptors' cut-off {cutoff:g} exceeds half of it (box field): such descriptors "
                                 f"depend on the box; train with --cutoff {0.5 * train_box.min():.5g} to predict on "
                                 "other boxes")


#: a descriptor this many training standard deviations off is outside the training data
FEATURE_Z_LIMIT = 10.0


def domain_notes(meta: dict, models: dict, feats, masks, predictions: dict) -> list:
    """Sentences about inputs outside the training distribution (descriptors more than
    FEATURE_Z_LIMIT training standard deviations off) and predictions outside the label's range."""
    notes = []
    net = (models.get("glassmlp") or models.get("transferable") or [None])[0]
    net = getattr(net, "members_", [net])[0]
    if net is not None and hasattr(net, "mean_"):
        m = net.mean_.size - (2 if meta.get("kind") == "transferable" else 0)
        z = np.concatenate([np.abs((x[mk] - net.mean_[:m]) / net.scale_[:m]) for x, mk in zip(feats, masks)])
        far = (z > FEATURE_Z_LIMIT).any(axis=1)
        if far.any():
            notes.append(f"{far.mean():.1%} of the particles have descriptors more than {FEATURE_Z_LIMIT:g} training "
                         f"standard deviations off (largest {z.max():.3g}): outside the training distribution")
    if meta["label"] == "bond_breaking":
        for kind, p in predictions.items():
            v = p[np.isfinite(p)]
            out = (v < -0.05) | (v > 1.05)
            if out.any():
                notes.append(f"{kind}: {out.mean():.1%} of the predictions lie outside C_B's range [0, 1] "
                             f"(min {v.min():.3g}, max {v.max():.3g})")
    return notes


def check_domain(meta: dict, store: CampaignStore, state: dict | None = None, scoring: bool = False) -> None:
    """Refuse a store outside a model folder's domain (InputFileError naming the field): another
    potential or species set, a label the store lacks; for a one-temperature folder without a
    ``state``, another temperature; when ``scoring`` (evaluation against the store's labels), a label
    time grid other than the training one."""
    system = json.loads(meta["system"]) if isinstance(meta.get("system"), str) else meta.get("system")
    if system is not None:
        if potential_from_dict(system["potential"]).to_dict() != store.system["potential"]:
            raise InputFileError(f"{store.path}: potential differs from the models' ({system.get('name')}, "
                                 f"{store.system.get('name')} in the store): potential field")
    if scoring and meta["label"] not in store.label:
        raise InputFileError(f"{store.path}: no {meta['label']} labels (label field)")
    if meta.get("kind") == "transferable" or state is not None:
        return
    T = float(meta["temperature"])
    if not np.isclose(store.temperature, T, rtol=1e-9, atol=0):
        raise InputFileError(f"{store.path}: temperature {store.temperature:g}, the models were trained at T = {T:g} "
                             f"(temperature field): predict at matched t/tau_alpha^BB with --temperature "
                             f"{store.temperature:g} --time ... --tau ...")
    if scoring:
        idx = meta["time_indices"]
        if max(idx) >= len(store.times) or not np.allclose(store.times[idx], meta["times"], rtol=1e-6):
            raise InputFileError(f"{store.path}: label times differ from the models' training times "
                                 f"{[round(t, 4) for t in meta['times']]} (time grid field)")


def predict_store(folder, store, configurations=None, kinds=None, state: dict | None = None) -> dict:
    """Predict on (a subset of) a campaign store's configurations (``store``: its path, or the dict
    of :func:`read_store`); ``folder``: a path or a loaded ModelFolder; checks the descriptor definition.
    ``state``: for a temperature-transferable folder, dict(temperature, times, tau=None); the
    temperature defaults to the store's."""
    meta, models = _loaded(folder)
    store = store if isinstance(store, CampaignStore) else read_store(store)
    check_domain(meta, store, state)
    idx = list(range(len(store))) if configurations is None else list(configurations)
    feats, definition = describe_store(store, configurations=idx, descriptor=model_descriptor(meta))
    types = [store.types] * len(idx)
    if state is not None and state.get("temperature") is None:
        state = dict(state, temperature=store.temperature)
    check_input_system(meta, [store.box] * len(idx), [np.bincount(store.types)] * len(idx))
    preds = _predict(meta, models, feats, types, definition, kinds, state)
    mask = [store.types == meta["species"]] * len(idx)
    return dict(meta=meta, store=store, configurations=idx, predictions=preds,
                notes=domain_notes(meta, models, feats, mask, preds))


def unseen_configurations(meta: dict, store: CampaignStore, configurations=None) -> list:
    """Indices of the store's configurations the models never saw in training or validation,
    recognised by content (fingerprints), wherever the store lies and whatever it is called.

    ``configurations`` given: refused if any of them was used for training or validation (a
    model scored on its own training data is not a result)."""
    seen = set(meta["fingerprints"]["train"]) | set(meta["fingerprints"]["validation"])
    fps = store.fingerprints
    if configurations is None:
        idx = [c for c, f in enumerate(fps) if f not in seen]
        if not idx:
            raise ValueError("every configuration of this store was used to train or validate these models: "
                             "nothing left to evaluate on")
        return idx
    idx = [int(c) for c in configurations]
    bad = [c for c in idx if not 0 <= c < len(fps)]
    if bad:
        raise ValueError(f"--configurations {bad}: the store has configurations 0..{len(fps) - 1}")
    used = [c for c in idx if fps[c] in seen]
    if used:
        raise ValueError(f"configurations {used} were used to train or validate these models: evaluating on them "
                         "would score the models on their own training data")
    return idx


def evaluate_store(folder, store_path, out, configurations=None):
    """Evaluate every model of a folder on a store's configurations that the models never saw
    (default all of them; the split's test set when it is the training store, recognised by
    content) and write figures + ``summary.md`` to ``out``.

    Returns the :class:`~glassdyn.learn.evaluation.PropensityEvaluation`.
    """
    from ..learn.evaluation import PropensityEvaluation

    models = read_model_folder(folder)  # loaded once, for the split and the predictions
    meta = models.meta
    store = read_store(store_path)
    check_domain(meta, store, scoring=True)
    configurations = unseen_configurations(meta, store, configurations)
    t_idx, times, state = meta.get("time_indices"), meta.get("times"), None
    if models.transferable:  # at this store's temperature and label times
        t_idx = label_time_indices(store, meta["label"], meta["species"], meta.get("n_times"))
        times = store.times[t_idx].tolist()
        state = dict(temperature=store.temperature, times=times)
    res = predict_store(models, store, configurations, state=state)
    store, idx = res["store"], res["configurations"]
    if len(idx) < 2:
        raise ValueError("evaluation needs at least 2 configurations (chi4 is a variance over them)")
    labels = store.labels(meta["label"])[idx][:, t_idx]
    mask = store.types == meta["species"]
    preds = {display_name(k): v for k, v in res["predictions"].items()}
    ev = PropensityEvaluation(store.box, mask,
                              observable=LABELS.get(meta["label"]).observable)
    noise = None
    if f"{meta['label']}_var" in store.label:
        noise = _label_noise(store, meta["label"], mask)[idx][:, t_idx]
    ev.compute(np.asarray(times), labels, preds, store.inherent[idx], label_noise=noise)
    out = Path(out)
    ev.plot(out, labels, preds, store.inherent[idx])
    if "rho_max" in ev.results:
        log.info(f"  expected maximal rho_P(t*) with {int(np.mean(store['label']['replicas_done']))} replicas "
            f"(replica-noise ceiling, not a bound for a finite test set): "
            f"{ev.results['rho_max'][ev.results['t_star']]:.3f}")
    log.info(f"  at t* = {times[ev.results['t_star']]:.4g} (MD chi4 peak), {len(idx)} test configurations:")
    for row in ev.table():
        log.info(f"  {row['source']:9s} rho_P = {row['rho_P_at_t_star']:.3f} (pooled {row['rho_P_pooled_at_t_star']:.3f})"
            f"  chi4/MD = {row['chi4_ratio']:.2f}  xi = {row['xi']:.3g}  W1/std = {row['wasserstein']:.3f}")
    published = ""
    if "glassbench" in store.attrs:
        published = _published(json.loads(store.attrs["glassbench"]), meta["label"], times, ev)
    stamp = dict(parameters=dict(models=str(folder), label=meta["label"], species=meta["species"],
                                 configurations=[int(c) for c in idx]),
                 inputs=[folder, store_path])
    ev.write_table(out / "summary.md", published, **stamp)
    save_npz(out / "predictions.npz", dict(configurations=np.asarray(idx), times=np.asarray(times),
                                           labels=labels, **res["predictions"]), **stamp)
    if {"GlassMLP", "MLP(mae)", "Ridge"} <= set(preds):
        for c in ev.claims():
            held = "undetermined" if c["held"] is None else ("held" if c["held"] else "NOT held")
            log.info(f"  Jung 2023 claim: {c['claim']}: {held} ({c['detail']})")
    return ev


def display_name(kind: str) -> str:
    """A model kind's name in tables (a temperature-transferable folder: "GlassMLP(T)")."""
    return "GlassMLP(T)" if kind == "transferable" else MODEL_KINDS.get(kind).display


def _published(source: dict, label: str, times, ev) -> str:
    """Beside ours, the roadmap's published pooled rho (GlassBench) at the same times, with the
    citation: Markdown for summary.md (logged as well)."""
    from ..io.glassbench import published_scores

    pub = published_scores(source["system"], source["temperature"], label)
    if pub is None:
        log.info(f"  GlassBench published no scores for {source['system']} T = {source['temperature']} {label}")
        return ""
    cols = pub["columns"]
    lines = ["", f"## GlassBench published pooled rho ({pub['source']}; {pub['citation']})", "",
             "| t | " + " | ".join(f"glassdyn {k}" for k in ev.results["rho_pooled"]) + " | "
             + " | ".join(cols[1:]) + " |", "|---" * (1 + len(ev.results["rho_pooled"]) + len(cols) - 1) + "|"]
    log.info(f"  GlassBench published pooled rho ({pub['source']}), beside glassdyn's pooled rho:")
    for j, t in enumerate(times):
        row = next((r for r in pub["rows"] if abs(r[0] - t) <= 1e-3 * t), None)
        ours = " | ".join(f"{v[j]:.3f}" for v in ev.results["rho_pooled"].values())
        theirs = " | ".join(f"{x:.3f}" for x in row[1:]) if row else " | ".join("-" for _ in cols[1:])
        lines.append(f"| {t:.4g} | {ours} | {theirs} |")
        log.info(f"    t = {t:.4g}: glassdyn " + ", ".join(f"{k} {v[j]:.3f}" for k, v in ev.results["rho_pooled"].items())
            + ("; published " + ", ".join(f"{c} {x:.3f}" for c, x in zip(cols[1:], row[1:])) if row else
               "; no published row at this time"))
    return "\n".join(lines) + "\n"
