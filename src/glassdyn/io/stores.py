"""Typed campaign stores: what ``glassdyn simulate`` (or ``glassdyn glassbench``) writes, read back
as a :class:`CampaignStore` with named fields, checked against the layout on read.

HDF5 layout: ``types`` (N,), ``positions`` (S, N, d), optional ``inherent`` (S, N, d) with
``energy_per_particle`` (S, N); ``label/steps``, ``label/times`` (n_t,), ``label/replicas_done`` (S,),
``label/<name>`` (S, n_t, N) for labels of :data:`glassdyn.dynamics.LABELS` and ``label/<name>_var``
their replica variances; attributes ``system`` (JSON of the SystemPreset), ``campaign``, ``box``,
``temperature``, ``configuration_sha256`` and the provenance stamp.  A store of configurations alone
(a preset with ``n_replicas = 0``: equilibrated configurations and inherent structures, e.g. to
predict on) has attribute ``n_replicas = 0`` and no labels.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputFileError

__all__ = ["CampaignStore", "read_store", "configuration_fingerprints"]

_ARRAYS = ("types", "positions", "inherent", "energy_per_particle")


def configuration_fingerprints(types, positions) -> list:
    """Content identity of each configuration of a store: sha256 of its species and its positions
    (float32, so that a compacted store keeps the identity).  Stores are recognised by content, not by
    its path: models record the fingerprints of their training configurations."""
    t = np.ascontiguousarray(np.asarray(types, dtype=np.int64)).tobytes()
    return [hashlib.sha256(t + np.ascontiguousarray(np.asarray(x, dtype=np.float32)).tobytes()).hexdigest()
            for x in positions]


@dataclass
class CampaignStore:
    """A campaign store in memory (arrays as above; ``label`` holds steps, times, replicas_done and the
    labels by name).  ``store["key"]`` also works (the dict layout of earlier versions)."""

    path: Path | None
    types: np.ndarray
    positions: np.ndarray
    label: dict
    attrs: dict
    inherent: np.ndarray | None = None
    energy_per_particle: np.ndarray | None = None
    fingerprints: list = field(default_factory=list)

    # ---------------------------------------------------------------- named views
    @property
    def times(self) -> np.ndarray:
        return np.asarray(self.label["times"], dtype=float)

    @property
    def replicas_done(self) -> np.ndarray:
        return np.asarray(self.label["replicas_done"])

    @property
    def box(self) -> np.ndarray:
        return np.asarray(self.attrs["box"], dtype=float)

    @property
    def temperature(self) -> float:
        return float(self.attrs["temperature"])

    @property
    def system(self) -> dict:
        """The system description (JSON of the SystemPreset, or GlassBench's), its potential in the
        current form (stores written before potentials recorded their kind compare equal to new ones)."""
        from ..systems.potentials import potential_from_dict

        system = json.loads(self.attrs["system"])
        system["potential"] = potential_from_dict(system["potential"]).to_dict()
        return system

    @property
    def split(self) -> dict | None:
        """The data set's own train / validation / test split (GlassBench), else None."""
        return json.loads(self.attrs["split"]) if "split" in self.attrs else None

    def labels(self, name: str) -> np.ndarray:
        """Replica-averaged label ``name`` (S, n_t, N), with a clear error when the store lacks it."""
        from ..dynamics.propensity import LABELS

        LABELS.get(name)
        if self.configurations_only:
            raise InputFileError(f"{self.path}: a store of configurations alone (n_replicas = 0): no {name} labels; "
                                 "predict on it, or train on a campaign with replicas")
        if name not in self.label:
            held = sorted(set(self.label) & set(LABELS.names()))
            raise InputFileError(f"the store has no {name} labels (it holds {held})")
        return np.asarray(self.label[name], dtype=float)

    @property
    def configurations_only(self) -> bool:
        """True for a store of equilibrated configurations without replicas (no labels)."""
        return _configurations_only(self.attrs)

    # ---------------------------------------------------------------- dict compatibility
    def __getitem__(self, key):
        value = getattr(self, key) if key in self.__dataclass_fields__ else None
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key) -> bool:
        return key in self.__dataclass_fields__ and getattr(self, key) is not None

    def __len__(self) -> int:
        return len(self.positions)


def read_store(path) -> CampaignStore:
    """Load a campaign store, checked against the layout: InputFileError naming the file and what is
    missing or inconsistent, or when the configurations do not match their recorded fingerprints."""
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as h:
            if "label" not in h or "campaign" not in h.attrs:
                raise InputFileError(f"{path}: not a glassdyn campaign store (no label group / campaign attrs)")
            arrays = {k: h[k][()] for k in _ARRAYS if k in h}
            label = {k: h["label"][k][()] for k in h["label"]}
            attrs = dict(h.attrs)
    except OSError as exc:
        raise InputFileError(f"{path}: unreadable or corrupt HDF5 store ({exc})") from None
    _check_layout(path, arrays, label, attrs)
    store = CampaignStore(path=path, label=label, attrs=attrs, **arrays)
    store.fingerprints = configuration_fingerprints(store.types, store.positions)
    recorded = attrs.get("configuration_sha256")
    if recorded is not None and json.loads(recorded) != store.fingerprints:
        raise InputFileError(f"{path}: configurations do not match the fingerprints recorded at assembly "
                             "(a modified or corrupt store)")
    return store


def _configurations_only(attrs: dict) -> bool:
    return int(attrs.get("n_replicas", 1)) == 0


def _check_layout(path, arrays: dict, label: dict, attrs: dict) -> None:
    from ..dynamics.propensity import LABELS

    missing = [k for k in ("types", "positions") if k not in arrays]
    missing += [f"label/{k}" for k in ("steps", "times", "replicas_done") if k not in label]
    missing += [f"attrs/{k}" for k in ("system", "box", "temperature") if k not in attrs]
    if ("inherent" in arrays) != ("energy_per_particle" in arrays):
        missing.append("energy_per_particle" if "inherent" in arrays else "inherent")
    if not set(LABELS) & set(label) and not _configurations_only(attrs):
        missing.append(f"a label of {LABELS.names()}")
    if missing:
        raise InputFileError(f"{path}: incomplete campaign store, missing {', '.join(missing)}")
    S, N = arrays["positions"].shape[:2]
    n_t = len(label["steps"])
    shapes = {"types": (arrays["types"].shape, (N,)), "label/replicas_done": (label["replicas_done"].shape, (S,))}
    if "inherent" in arrays:
        shapes["inherent"] = (arrays["inherent"].shape, arrays["positions"].shape)
        shapes["energy_per_particle"] = (arrays["energy_per_particle"].shape, (S, N))
    for k in (*LABELS.names(), *(f"{k}_var" for k in LABELS)):
        if k in label:
            shapes[f"label/{k}"] = (label[k].shape, (S, n_t, N))
    bad = [f"{k} {tuple(got)} (expected {want})" for k, (got, want) in shapes.items() if tuple(got) != want]
    if bad:
        raise InputFileError(f"{path}: inconsistent campaign store: {'; '.join(bad)}")
