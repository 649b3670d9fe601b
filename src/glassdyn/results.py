"""Result objects of the library's analyses: ``plot(ax=None)``, ``save(folder)``, ``summary()``.

Every analysis the CLI offers is a library call returning a :class:`Result`; the CLI only parses
arguments, calls, prints ``summary()`` and ``save``s.  ``save`` writes ``<name>.npz`` (the arrays
plus the provenance stamp of :mod:`glassdyn.io.provenance`) and ``<name>.png`` (the figure).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["Result"]


class Result:
    """Base of the analysis results.  Subclasses set ``name`` and implement ``arrays()``,
    ``summary()`` and ``plot(ax=None)``; ``parameters`` / ``inputs`` / ``seeds`` feed provenance."""

    name = "result"
    figure = None  # the figure's file stem, when not ``name``
    parameters: dict = {}
    inputs: tuple = ()
    seeds = None
    panels = 1

    def arrays(self) -> dict:
        raise NotImplementedError

    def summary(self) -> str:
        raise NotImplementedError

    def plot(self, ax=None):
        raise NotImplementedError

    def _axes(self, ax, width: float = 4.5, height: float = 4.0):
        """``ax`` as given, or a fresh figure with ``panels`` axes."""
        if ax is not None:
            return ax
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, self.panels, figsize=(width * self.panels, height))
        return axes

    def write_data(self, folder: Path, stamp: dict) -> Path:
        """The data file: ``<name>.npz`` of ``arrays()`` with the stamp (JSON results override this)."""
        from .io.atomic import atomic_savez

        path = folder / f"{self.name}.npz"
        atomic_savez(path, provenance=json.dumps(stamp), **{k: np.asarray(v) for k, v in self.arrays().items()})
        return path

    def save(self, folder) -> Path:
        """Write the data file (``write_data``) and the figure (``<figure or name>.png``) into ``folder``;
        returns the data file."""
        import matplotlib.pyplot as plt

        from .io.provenance import provenance

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = self.write_data(folder, provenance(parameters=self.parameters, seeds=self.seeds, inputs=self.inputs))
        axes = self.plot()
        fig = np.atleast_1d(axes)[0].figure
        fig.tight_layout()
        fig.savefig(folder / f"{self.figure or self.name}.png", dpi=120)
        plt.close(fig)
        return path
