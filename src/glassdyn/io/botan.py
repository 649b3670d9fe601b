"""The npz layout of the BOTAN isoconfigurational data set (3D KA, Shiba et al. 2023)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import InputFileError

from ..systems.configuration import Configuration

__all__ = ["IsoconfigurationalSample", "read_botan_npz"]

BOTAN_BOX = (4096 / 1.2) ** (1.0 / 3.0)  # the data loader's L = (N / rho)^(1/3), rho = 1.2


class IsoconfigurationalSample:
    """One initial configuration and the (unwrapped) positions of R replicas at one time point."""

    def __init__(self, initial: Configuration, replicas: np.ndarray, source: str = ""):
        self.initial = initial
        self.replicas = replicas
        self.source = source

    @property
    def n_replicas(self) -> int:
        return self.replicas.shape[0]


def read_botan_npz(path, box: float = BOTAN_BOX) -> IsoconfigurationalSample:
    """Read ``isoconfig_*.npz``: keys types (N,), initial_positions (N, 3), positions (R, N, 3)."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise InputFileError(f"{path}: unreadable or corrupt npz ({exc})") from None
    with data:
        missing = {"types", "initial_positions", "positions"} - set(getattr(data, "files", []))
        if missing:
            raise InputFileError(f"{path}: not a BOTAN isoconfigurational file, missing {sorted(missing)}")
        types = data["types"].astype(np.int64)
        x0 = data["initial_positions"].astype(float)
        xt = data["positions"].astype(float)
    n = types.shape[0]
    if x0.shape != (n, 3) or xt.ndim != 3 or xt.shape[1:] != (n, 3):
        raise InputFileError(f"{path}: inconsistent shapes types {types.shape}, initial_positions "
                         f"{x0.shape}, positions {xt.shape}")
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(xt))):
        raise InputFileError(f"{path}: positions contain NaN or inf")
    if np.any(x0 < 0) or np.any(x0 >= box):
        raise InputFileError(f"{path}: initial positions outside [0, {box:.5f}): wrong box length?")
    return IsoconfigurationalSample(Configuration(x0, types, [box] * 3), xt, str(path))
