"""LAMMPS text dumps (``dump custom``/``atom``): every frame, validated."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputFileError

from .trajectory import Trajectory

__all__ = ["read_lammps_dump"]

_COORDS = {"xu": ("u", 0), "yu": ("u", 1), "zu": ("u", 2), "x": ("w", 0), "y": ("w", 1), "z": ("w", 2),
           "xs": ("s", 0), "ys": ("s", 1), "zs": ("s", 2)}


class DumpFormatError(InputFileError):
    """A LAMMPS dump that cannot be read; the message names file, frame and line."""


def read_lammps_dump(path, dt: float | None = None, type_offset: int = 1) -> Trajectory:
    """Read a LAMMPS text dump: all frames, sorted by atom id when an ``id`` column exists.

    Coordinates: unwrapped (xu yu [zu]) preferred, else wrapped (x y [z]) or scaled (xs ...).
    2D is detected from the absence of a z column.  Positions are shifted so that the box starts at
    0.  ``type_offset`` maps LAMMPS types (1-based) to species indices.
    """
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise DumpFormatError(f"cannot read LAMMPS dump {path}: {exc}") from None
    steps, frames, boxes, types0 = [], [], [], None
    kind = None
    i = 0
    frame = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        where = f"{path}, frame {frame}, line {i + 1}"
        try:
            if lines[i].strip() != "ITEM: TIMESTEP":
                raise DumpFormatError(f"{where}: expected 'ITEM: TIMESTEP', got {lines[i][:40]!r}")
            step = int(lines[i + 1])
            if lines[i + 2].strip() != "ITEM: NUMBER OF ATOMS":
                raise DumpFormatError(f"{where}: expected 'ITEM: NUMBER OF ATOMS'")
            n = int(lines[i + 3])
            if not lines[i + 4].startswith("ITEM: BOX BOUNDS"):
                raise DumpFormatError(f"{where}: expected 'ITEM: BOX BOUNDS'")
            bounds = np.array([[float(v) for v in lines[i + 5 + k].split()[:2]] for k in range(3)])
            header = lines[i + 8]
            if not header.startswith("ITEM: ATOMS"):
                raise DumpFormatError(f"{where}: expected 'ITEM: ATOMS ...'")
        except (IndexError, ValueError) as exc:
            if isinstance(exc, DumpFormatError):
                raise
            raise DumpFormatError(f"{where}: truncated or malformed frame header ({exc})") from None
        cols = header.split()[2:]
        body = lines[i + 9:i + 9 + n]
        if len(body) != n:
            raise DumpFormatError(f"{where}: frame has {len(body)} atom lines, header says {n}")
        try:
            data = np.array(" ".join(body).split(), dtype=float).reshape(n, len(cols))
        except ValueError:
            raise DumpFormatError(f"{where}: atom lines are not {len(cols)} numbers each") from None
        if "type" not in cols:
            raise DumpFormatError(f"{where}: no 'type' column in {cols}")
        kinds = {"u": [], "w": [], "s": []}
        for c in cols:
            if c in _COORDS:
                kinds[_COORDS[c][0]].append(c)
        kind_here = next((k for k in ("u", "w", "s") if len(kinds[k]) >= 2), None)
        if kind_here is None:
            raise DumpFormatError(f"{where}: no coordinate columns (xu yu / x y / xs ys) in {cols}")
        if kind is not None and kind_here != kind:
            raise DumpFormatError(f"{where}: coordinate columns change between frames")
        kind = kind_here
        coord_cols = sorted(kinds[kind], key=lambda c: _COORDS[c][1])
        dim = len(coord_cols)
        pos = data[:, [cols.index(c) for c in coord_cols]]
        lo, hi = bounds[:dim, 0], bounds[:dim, 1]
        if kind == "s":
            pos = pos * (hi - lo)
        else:
            pos = pos - lo
        t = data[:, cols.index("type")].astype(np.int64) - type_offset
        if "id" in cols:
            order = np.argsort(data[:, cols.index("id")])
            pos, t = pos[order], t[order]
        if types0 is None:
            types0 = t
        elif not np.array_equal(t, types0):
            raise DumpFormatError(f"{where}: particle types change between frames")
        if np.any(t < 0):
            raise DumpFormatError(f"{where}: type below {type_offset} (type_offset={type_offset})")
        steps.append(step)
        frames.append(pos)
        boxes.append(hi - lo)
        i += 9 + n
        frame += 1
    if not frames:
        raise DumpFormatError(f"{path}: no frames found")
    if any(f.shape != frames[0].shape for f in frames):
        raise DumpFormatError(f"{path}: the number of atoms changes between frames")
    boxes = np.array(boxes)
    if not np.allclose(boxes, boxes[0]):
        raise DumpFormatError(f"{path}: the box changes between frames (NVT/NVE expected)")
    return Trajectory(np.array(frames), types0, boxes[0], np.array(steps), unwrapped=(kind == "u"),
                      dt=dt, source=str(path))
