"""Typed state-point libraries (the Ciarella 2023 route): what ``glassdyn simulate --preset
collective`` writes, read back as a :class:`StatePointLibrary` with named fields, validated.

Per state i (n states): ``S`` (n, N_k, 3) partials AA, AB, BB on the grid ``k`` (N_k,); ``times``
(n, n_t) (NaN-padded) and ``Fs`` (n, n_t, 2) = F_s^AA, F_s^BB(k_p, t) normalised as paper Eq. 1
(F_s(k_p, 0) = S^aa(k_p)); ``k_p``, ``tau_alpha``, ``equilibrated``, ``crystal``, ``temperature``,
``rho``, ``interaction`` (0 LJ, 1 WCA) and ``t_mct_paper`` (Ciarella 2023 Table I), each (n,).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from ..errors import InputFileError

__all__ = ["StatePointLibrary", "read_library", "LIBRARY_ARRAYS"]

LIBRARY_ARRAYS = ("k", "S", "times", "Fs", "k_p", "tau_alpha", "equilibrated", "crystal",
                  "temperature", "rho", "interaction", "t_mct_paper")

#: keys written by earlier versions (the shipped library): t_mct_seed is T_mct of Ciarella 2023 Table I
_RENAMED = {"t_mct_seed": "t_mct_paper"}
_LEGACY = {v: k for k, v in _RENAMED.items()}


@dataclass
class StatePointLibrary:
    """A state-point library in memory (fields as in the module docstring; ``extra``: any other
    per-state arrays of the file).  ``lib["key"]`` also works (the dict layout of earlier versions)."""

    k: np.ndarray
    S: np.ndarray
    times: np.ndarray
    Fs: np.ndarray
    temperature: np.ndarray
    rho: np.ndarray
    interaction: np.ndarray
    t_mct_paper: np.ndarray
    k_p: np.ndarray
    tau_alpha: np.ndarray | None = None
    equilibrated: np.ndarray | None = None
    crystal: np.ndarray | None = None
    attrs: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.temperature)

    @property
    def t_over_tmct(self) -> np.ndarray:
        return self.temperature / self.t_mct_paper

    def select(self, keep) -> "StatePointLibrary":
        """The states where the boolean mask (n,) ``keep`` holds."""
        n = len(self)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, v in values.items():
            if name != "k" and isinstance(v, np.ndarray) and v.shape[:1] == (n,):
                values[name] = v[keep]
        values["extra"] = {key: v[keep] for key, v in self.extra.items()}
        return StatePointLibrary(**values)

    def __getitem__(self, key):
        if key in self.__dataclass_fields__ and getattr(self, key) is not None:
            return getattr(self, key)
        if key in self.extra:
            return self.extra[key]
        raise KeyError(key)

    def __contains__(self, key) -> bool:
        return (key in self.__dataclass_fields__ and getattr(self, key) is not None) or key in self.extra


def read_library(path, include_crystals: bool = False, check: bool = True) -> StatePointLibrary:
    """Load a state library, validated; crystallised states dropped unless ``include_crystals``.

    Checks (InputFileError naming the file): it is a glassdyn state library, arrays have consistent
    shapes, S is finite, times increase per state, and F_s^aa(k_p, t -> 0) matches S^aa(k_p)
    (paper Eq. 1) within 5 %.
    """
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as h:
            if h.attrs.get("kind") != "glassdyn-state-library":
                raise InputFileError(f"{path}: not a glassdyn state library (attribute kind = "
                                     f"{h.attrs.get('kind')!r})")
            missing = [k for k in LIBRARY_ARRAYS if k not in h and not (k in _LEGACY and _LEGACY[k] in h)]
            if missing:
                raise InputFileError(f"{path}: corrupt state library, missing {missing}")
            arrays = {_RENAMED.get(k, k): h[k][()] for k in h.keys()}
            attrs = dict(h.attrs)
    except OSError as exc:
        raise InputFileError(f"{path}: unreadable or corrupt HDF5 file ({exc})") from None
    n, nk = len(arrays["temperature"]), len(arrays["k"])
    shapes = {"S": (n, nk, 3), "times": (n, arrays["times"].shape[1]), "Fs": (n, arrays["times"].shape[1], 2)}
    shapes.update({k: (n,) for k in ("rho", "interaction", "k_p", "crystal", "equilibrated", "tau_alpha")})
    for k, shp in shapes.items():
        if arrays[k].shape != shp:
            raise InputFileError(f"{path}: {k} has shape {arrays[k].shape}, expected {shp}")
    if check:
        _check_values(path, arrays)
    extra = {k: v for k, v in arrays.items() if k not in LIBRARY_ARRAYS}
    lib = StatePointLibrary(**{k: arrays[k] for k in LIBRARY_ARRAYS}, attrs=attrs, extra=extra, path=path)
    return lib if include_crystals else lib.select(~lib.crystal.astype(bool))


def _check_values(path, a: dict) -> None:
    if not np.all(np.isfinite(a["S"][:, 1:])):
        raise InputFileError(f"{path}: S(k) contains NaN/inf beyond the first bin")
    for i in range(len(a["temperature"])):
        t = a["times"][i][np.isfinite(a["times"][i])]
        if t.size < 2 or np.any(np.diff(t) <= 0) or t[0] <= 0:
            raise InputFileError(f"{path}: state {i} has non-increasing or non-positive times")
        ip = int(np.argmin(np.abs(a["k"] - a["k_p"][i])))
        s_aa = a["S"][i, ip, [0, 2]]
        f0 = a["Fs"][i, 0]
        if np.any(np.abs(f0 - s_aa) > 0.05 * s_aa + 0.02):
            raise InputFileError(f"{path}: state {i}: F_s(k_p, t->0) = {f0} does not match "
                                 f"S^aa(k_p) = {s_aa} (paper Eq. 1 normalisation)")
