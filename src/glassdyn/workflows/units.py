"""The one resumable-unit engine behind every campaign (replica units, equilibration pieces,
quenches, state points).

A campaign's finished work lives in a folder of units, each one ``<name>.npz`` written atomically
(:func:`~glassdyn.workflows.executor.atomic_savez`), next to a manifest (``manifest.json``) that
identifies the campaign.  ``UnitFolder`` is all the bookkeeping: it refuses a folder of another
campaign, loads finished units, treats a unit that cannot be read as never finished (only a crash
can truncate one: it is redone), and runs the missing ones through
:func:`~glassdyn.workflows.executor.execute`.  Failures are classified by exception type, never by
message text, and a finished unit is never deleted because of an unrelated error.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_savez, atomic_write_text
from .executor import execute

__all__ = ["UnitFolder", "ForeignUnit"]

#: what reading a unit file raises when the file is truncated or corrupt (a crash mid-write of an
#: older, non-atomic version, or a damaged disk): the unit is redone
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile)


class ForeignUnit(ValueError):
    """A unit file made by another campaign specification."""


class UnitFolder:
    """Finished units of one campaign in ``folder``.

    manifest : text identifying the campaign (JSON); a folder holding another manifest is refused.
    required : array names every finished unit holds (a unit without them is redone).
    spec_key : optional array name holding each unit's own specification (checked by ``load``).
    what : what a unit is, for messages (e.g. "state").
    same : ``same(recorded, manifest) -> bool`` decides whether a recorded manifest text describes
        this campaign (default: equal JSON).
    """

    def __init__(self, folder, manifest: str | None = None, required=(), spec_key: str | None = None,
                 manifest_name: str = "manifest.json", what: str = "unit", same=None):
        self.folder = Path(folder)
        self.required = set(required)
        self.spec_key = spec_key
        self.manifest = manifest
        self.manifest_path = self.folder / manifest_name
        self.what = what
        self.same = same or (lambda a, b: json.loads(a) == json.loads(b))

    def check(self) -> None:
        """Refuse a folder of another campaign (before anything is written)."""
        if self.manifest is not None and self.manifest_path.exists():
            old = self.manifest_path.read_text()
            if not self.same(old, self.manifest):
                raise ValueError(f"{self.folder} holds units of a different campaign ({old[:200]}...); "
                                 "choose another output")

    def open(self) -> "UnitFolder":
        """Check, create the folder and record the manifest."""
        self.check()
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.manifest is not None and not self.manifest_path.exists():
            atomic_write_text(self.manifest_path, self.manifest)
        return self

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.npz"

    def load(self, name: str, spec: str | None = None, arrays: bool = True) -> dict | None:
        """The arrays of a finished unit, or None when it is absent or unreadable (then removed).
        With ``spec`` the unit's own specification must match (ForeignUnit otherwise); with
        ``arrays=False`` only the names and the specification are read (a cheap check)."""
        path = self.path(name)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as d:
                names = set(d.files)
                wanted = names if arrays else names & {self.spec_key}
                data = {k: d[k] for k in wanted}
        except _UNREADABLE:
            path.unlink(missing_ok=True)
            return None
        if not self.required <= names:
            path.unlink(missing_ok=True)
            return None
        if spec is not None and self.spec_key is not None:
            own = str(data.get(self.spec_key, ""))
            if json.loads(own or "null") != json.loads(spec):
                raise ForeignUnit(f"{path} was produced by a different {self.what} specification ({own[:200]}); "
                                  "remove it or choose another output")
        return data

    def done(self, name: str, spec: str | None = None) -> bool:
        """Whether the unit is finished (reads its index and specification, not its arrays)."""
        return self.load(name, spec, arrays=False) is not None

    def save(self, name: str, arrays: dict) -> dict:
        atomic_savez(self.path(name), **arrays)
        return arrays

    def run(self, func, jobs, batched: bool = False, **execute_kwargs) -> None:
        """Run ``func(*args)`` for every ``(name, args)`` in ``jobs`` and save each result as the unit
        ``name`` as soon as it arrives (see :func:`~glassdyn.workflows.executor.execute`).  With
        ``batched`` a job computes several units and returns {unit name: arrays}: each is saved."""
        self.open()

        def save(name, result):
            for unit, arrays in (result.items() if batched else [(name, result)]):
                self.save(unit, arrays)

        execute(func, jobs, save, **execute_kwargs)
