"""GlassBench, the benchmark data set of the roadmap on machine learning glassy dynamics (Jung et
al., Nature Reviews Physics 2025; Zenodo 10118191, CC-BY-4.0).

Layouts read:
    KA2D  ``T<T>/{train,test}/N<N>T<T>_<id>_tc<k>.npz``
    3D KA ``.../isoconfig_N<N>T<T>_<id>_tc<k>.npz`` (BOTAN's files, Shiba et al. 2023)
one file per structure and time code, keys ``types``, ``initial_positions`` (unwrapped),
``positions`` (R replicas, N, d; unwrapped, at this file's time), optionally ``box`` and
``initial_positions_inherent``.  Time codes map to times (LJ units) with GlassBench's
``times_<T>.dat`` (shipped in ``glassdyn/data/glassbench.json`` with the roadmap's published scores).
"""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputFileError

from ..systems.configuration import Configuration

__all__ = ["GlassBenchFile", "read_glassbench", "glassbench_table", "published_scores", "is_glassbench_file"]

_NAME = re.compile(r"^(isoconfig_)?N(\d+)T([0-9.]+)_(\d+)_tc(\d+)\.npz$")
BOTAN_BOX = (4096 / 1.2) ** (1.0 / 3.0)  # 3D KA files carry no box: L = (N / rho)^(1/3), rho = 1.2


@lru_cache(maxsize=1)
def glassbench_table() -> dict:
    """The shipped GlassBench time codes, published pooled-rho rows and their citation."""
    from importlib import resources

    return json.loads((resources.files("glassdyn") / "data" / "glassbench.json").read_text())


@dataclass
class GlassBenchFile:
    """One structure at one time code: ``initial`` (thermal, folded into the box), ``inherent`` (or
    None), ``initial_unwrapped`` (N, d) and ``replicas`` (R, N, d) unwrapped; species 0-based."""

    path: str
    system: str  # "KA2D" or "KA"
    temperature: float
    structure: int
    time_code: int
    time: float
    split: str | None  # "train" / "test" from the folder, else None
    initial: Configuration
    inherent: Configuration | None
    initial_unwrapped: np.ndarray
    replicas: np.ndarray


def _time(system: str, temperature: str, code: int, path) -> float:
    codes = glassbench_table()["time_codes"][system]
    key = next((k for k in codes if float(k) == float(temperature)), None)
    if key is None or str(code) not in codes[key]:
        raise InputFileError(f"{path}: no GlassBench time for {system} T = {temperature} time code {code} "
                         f"(known temperatures: {sorted(codes)})")
    return float(codes[key][str(code)])


def is_glassbench_file(path) -> bool:
    """Whether a path is named like a GlassBench isoconfigurational file."""
    return _NAME.match(Path(path).name) is not None


def read_glassbench(path) -> GlassBenchFile:
    """Read one GlassBench isoconfigurational file (see the module docstring), with clear errors."""
    path = Path(path)
    m = _NAME.match(path.name)
    if m is None:
        raise InputFileError(f"{path}: not a GlassBench file name (expected N<N>T<T>_<id>_tc<k>.npz or "
                         "isoconfig_N<N>T<T>_<id>_tc<k>.npz)")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise InputFileError(f"{path}: unreadable or corrupt npz ({exc})") from None
    with data:
        missing = {"types", "initial_positions", "positions"} - set(data.files)
        if missing:
            raise InputFileError(f"{path}: not a GlassBench isoconfigurational file, missing {sorted(missing)}")
        raw_types = np.asarray(data["types"])
        if raw_types.dtype.kind not in "iu" and not (raw_types.dtype.kind == "f" and np.all(np.isfinite(raw_types))
                                                       and np.array_equal(raw_types, np.round(raw_types))):
            raise InputFileError(f"{path}: types must be integers, got {raw_types.dtype} values such as "
                                 f"{raw_types.ravel()[:3].tolist()}")
        types = raw_types.astype(np.int64)
        x0 = data["initial_positions"].astype(float)
        xt = data["positions"].astype(float)
        inh = data["initial_positions_inherent"].astype(float) if "initial_positions_inherent" in data.files else None
        box_value = np.asarray(data["box"], dtype=float) if "box" in data.files else None
    n, d = x0.shape
    system = "KA2D" if d == 2 else "KA"
    if int(m.group(2)) != n or types.shape != (n,) or xt.ndim != 3 or xt.shape[1:] != (n, d) or \
            (inh is not None and inh.shape != (n, d)):
        raise InputFileError(f"{path}: inconsistent shapes: N = {m.group(2)} in the name, types {types.shape}, "
                         f"initial_positions {x0.shape}, positions {xt.shape}")
    for name, arr in (("initial_positions", x0), ("positions", xt), ("initial_positions_inherent", inh)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise InputFileError(f"{path}: {name} contain NaN or inf")
    if types.min() == 1:  # LAMMPS labels 1..M
        types = types - 1
    if box_value is None:
        box = np.full(d, BOTAN_BOX)
    elif box_value.size in (1, d) and np.all(np.isfinite(box_value)) and np.all(box_value > 0):
        box = np.broadcast_to(box_value.ravel(), (d,)).astype(float) if box_value.size == d else np.full(d, float(box_value))
    else:
        raise InputFileError(f"{path}: box must be one positive length or {d} of them, got {box_value.tolist()}")
    split = path.parent.name if path.parent.name in ("train", "test") else None
    return GlassBenchFile(
        path=str(path), system=system, temperature=float(m.group(3)), structure=int(m.group(4)),
        time_code=int(m.group(5)), time=_time(system, m.group(3), int(m.group(5)), path), split=split,
        initial=Configuration(np.mod(x0, box), types, box, wrap=True),
        inherent=None if inh is None else Configuration(np.mod(inh, box), types, box, wrap=True),
        initial_unwrapped=x0, replicas=xt)


def published_scores(system: str, temperature: float, observable: str) -> dict | None:
    """The roadmap's pooled-rho rows for (system, T, observable): dict(columns, rows, source,
    citation, rho_max rows), or None when GlassBench published none."""
    table = glassbench_table()
    for entry in table["published"]:
        if entry["system"] == system and abs(entry["temperature"] - temperature) < 1e-9 \
                and entry["observable"] == observable:
            rho_max = next((r["rows"] for r in table["rho_max"] if r["system"] == system
                            and abs(r["temperature"] - temperature) < 1e-9 and r["observable"] == observable), None)
            return dict(entry, citation=table["citation"], rho_max=rho_max)
    return None
