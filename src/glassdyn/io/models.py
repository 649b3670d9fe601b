"""Typed model folders (the GlassMLP route): ``models.json`` plus one file per model kind and label
time (``glassmlp_t{i}.npz``, ``mlp_mae_t{i}.npz``, ``ridge_t{i}.npz``), read back as a
:class:`ModelFolder`.

A temperature-transferable folder (``kind = "transferable"`` in models.json) holds one
``transferable.npz`` for every temperature and time (:mod:`glassdyn.workflows.transferable`).

``models.json`` records the label, species, times, split by configuration (with the fingerprints of
the configurations), the descriptor definition, the training store, system and temperature, the
training options and the provenance stamp.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError

__all__ = ["ModelFolder", "read_model_folder", "TRANSFERABLE_FILE"]

#: the one model file of a temperature-transferable folder
TRANSFERABLE_FILE = "transferable.npz"


@dataclass
class ModelFolder:
    """``meta`` (models.json) and ``models`` {kind: [model per label time]}; ``meta, models =
    folder`` unpacks like the tuple of earlier versions."""

    path: Path
    meta: dict
    models: dict

    @property
    def label(self) -> str:
        return self.meta["label"]

    @property
    def species(self) -> int:
        return int(self.meta["species"])

    @property
    def times(self) -> list:
        return list(self.meta["times"])

    @property
    def transferable(self) -> bool:
        """One temperature-transferable model that predicts at any state (T, t)."""
        return self.meta.get("kind") == "transferable"

    @property
    def kinds(self) -> list:
        return list(self.meta["kinds"])

    @property
    def definition(self) -> dict:
        return self.meta.get("definition", {})

    @property
    def system(self) -> dict:
        return json.loads(self.meta["system"])

    @property
    def temperature(self) -> float:
        return float(self.meta["temperature"])

    def __iter__(self):
        return iter((self.meta, self.models))


def read_model_folder(folder) -> ModelFolder:
    """The model folder at ``folder``, every model loaded through its kind in
    :data:`glassdyn.learn.model_kinds.MODEL_KINDS`; InputFileError for anything else."""
    from ..learn.model_kinds import MODEL_KINDS

    folder = Path(folder)
    try:
        meta = json.loads((folder / "models.json").read_text())
        kinds = meta["kinds"]
        time_indices = meta["time_indices"] if meta.get("kind") != "transferable" else None
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputFileError(f"{folder}: not a glassdyn model folder ({type(exc).__name__}: {exc})") from None
    if meta.get("kind") == "transferable":  # one model for every temperature and time
        from ..learn.glassmlp import load_model

        return ModelFolder(folder, meta, {"transferable": [load_model(folder / TRANSFERABLE_FILE)]})
    models = {kind: [MODEL_KINDS.get(kind).load(folder / f"{kind}_t{t}.npz") for t in time_indices]
              for kind in kinds}
    return ModelFolder(folder, meta, models)
