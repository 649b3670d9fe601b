"""The in-memory trajectory every reader returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputFileError

from ..systems.configuration import Configuration

__all__ = ["Trajectory"]


@dataclass
class Trajectory:
    """Frames of one system: positions (F, N, d), types (N,) 0-based, box (d,), steps (F,).

    ``unwrapped`` tells whether positions are continuous across periodic boundaries (needed for
    displacements); ``times`` = steps * dt when the time step is known.  ``source`` records the file.
    """

    positions: np.ndarray
    types: np.ndarray
    box: np.ndarray
    steps: np.ndarray
    unwrapped: bool
    dt: float | None = None
    source: str = ""
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        self.positions = np.asarray(self.positions, dtype=float)
        if self.positions.ndim != 3:
            raise InputFileError(f"positions must have shape (frames, N, d), got {self.positions.shape}")
        f, n, d = self.positions.shape
        self.types = np.asarray(self.types, dtype=np.int64)
        self.box = np.asarray(self.box, dtype=float)
        self.steps = np.asarray(self.steps)
        if self.types.shape != (n,) or self.box.shape != (d,) or self.steps.shape != (f,):
            raise InputFileError("types (N,), box (d,) and steps (frames,) do not match positions")
        if not np.all(np.isfinite(self.positions)):
            raise InputFileError(f"{self.source or 'trajectory'}: positions contain NaN or inf")

    @property
    def n_frames(self) -> int:
        return self.positions.shape[0]

    @property
    def times(self) -> np.ndarray:
        if self.dt is None:
            raise ValueError("the time step is unknown: set Trajectory.dt")
        return self.steps * self.dt

    def frame(self, index: int) -> Configuration:
        """Frame ``index`` (0-based; negative counts from the end) as a Configuration (positions
        folded into the box)."""
        n = self.positions.shape[0]
        if not -n <= int(index) < n:
            raise ValueError(f"{self.source}: frame {index} does not exist: the file has {n} frames "
                             f"(0..{n - 1})")
        return Configuration(self.positions[index], self.types, self.box, wrap=True)
