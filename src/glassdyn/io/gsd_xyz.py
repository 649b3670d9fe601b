"""GSD (HOOMD-blue) and extended XYZ trajectories."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InputFileError

from .trajectory import Trajectory

__all__ = ["read_gsd", "read_extxyz", "write_extxyz"]


def read_gsd(path, dt: float | None = None) -> Trajectory:
    """All frames of a HOOMD GSD file; unwrapped with the stored images.  2D if box Lz = 0."""
    import gsd.hoomd

    path = Path(path)
    try:
        traj = gsd.hoomd.open(str(path), "r")
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputFileError(f"{path}: not a readable GSD file ({exc})") from None
    with traj:
        if len(traj) == 0:
            raise InputFileError(f"{path}: GSD file has no frames")
        f0 = traj[0]
        box = np.asarray(f0.configuration.box[:3], dtype=float)
        if np.any(np.asarray(f0.configuration.box[3:]) != 0):
            raise InputFileError(f"{path}: tilted (triclinic) boxes are not supported")
        d = 2 if box[2] == 0 else 3
        types = np.asarray(f0.particles.typeid, dtype=np.int64)
        frames, steps = [], []
        for fr in traj:
            if not np.allclose(fr.configuration.box[:d], box[:d]):
                raise InputFileError(f"{path}: the box changes between frames")
            x = np.asarray(fr.particles.position, dtype=float)[:, :d] + 0.5 * box[:d]
            img = np.asarray(fr.particles.image, dtype=float)[:, :d]
            frames.append(x + img * box[:d])
            steps.append(int(fr.configuration.step))
    return Trajectory(np.array(frames), types, box[:d], np.array(steps), unwrapped=True, dt=dt,
                      source=str(path))


_LATTICE = re.compile(r'Lattice="([^"]+)"')
_PROPS = re.compile(r"Properties=(\S+)")


def read_extxyz(path, species=None, dt: float | None = None) -> Trajectory:
    """Extended XYZ: per frame a count line, a comment with Lattice="..." and Properties=...,
    then rows.  Species names map to indices in the order of ``species``; by default integer names
    map to their value (as glassdyn writes them: "0", "1", ...) and other names in sorted order.
    Orthorhombic lattices only; positions are shifted into [0, L) only if wrapped (no check)."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from None
    species = list(species) if species is not None else []
    frames, steps, box, types0, i = [], [], None, None, 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        try:
            n = int(lines[i])
        except ValueError:
            raise InputFileError(f"{path}, line {i + 1}: expected a particle count, got {lines[i][:40]!r}") from None
        comment = lines[i + 1] if i + 1 < len(lines) else ""
        lat = _LATTICE.search(comment)
        if lat is None:
            raise InputFileError(f"{path}, line {i + 2}: no Lattice=\"...\" in the comment line")
        cell = np.array(lat.group(1).split(), dtype=float).reshape(3, 3)
        if np.any(np.abs(cell - np.diag(np.diag(cell))) > 1e-12):
            raise InputFileError(f"{path}, line {i + 2}: only orthorhombic lattices are supported")
        lengths = np.diag(cell)
        props = _PROPS.search(comment)
        prop = props.group(1).split(":") if props else ["species", "S", "1", "pos", "R", "3"]
        names = prop[0::3]
        widths = [int(w) for w in prop[2::3]]
        starts = np.cumsum([0] + widths)
        if "pos" not in names or "species" not in names:
            raise InputFileError(f"{path}, line {i + 2}: Properties must include species and pos")
        rows = [ln.split() for ln in lines[i + 2:i + 2 + n]]
        if len(rows) != n or any(len(r) != starts[-1] for r in rows):
            raise InputFileError(f"{path}, frame {len(frames)}: expected {n} rows of {starts[-1]} columns")
        s0 = starts[names.index("species")]
        p0 = starts[names.index("pos")]
        labels = [r[s0] for r in rows]
        if not species:
            found = sorted(set(labels))
            if all(lab.isdigit() for lab in found):
                species = [str(a) for a in range(max(int(lab) for lab in found) + 1)]
            else:
                species = found
        unknown = sorted(set(labels) - set(species))
        if unknown:
            raise InputFileError(f"{path}, frame {len(frames)}: unknown species {unknown} (known: {species})")
        index = {lab: a for a, lab in enumerate(species)}
        t = np.array([index[lab] for lab in labels])
        try:
            pos = np.array([[float(v) for v in r[p0:p0 + 3]] for r in rows])
        except ValueError:
            raise InputFileError(f"{path}, frame {len(frames)}: non-numeric positions") from None
        d = 2 if lengths[2] == 0 else 3
        if types0 is None:
            types0, box = t, lengths[:d]
        elif not np.array_equal(t, types0):
            raise InputFileError(f"{path}, frame {len(frames)}: species change between frames")
        step = re.search(r"step=(\d+)", comment)
        steps.append(int(step.group(1)) if step else len(frames))
        frames.append(pos[:, :d])
        i += 2 + n
    if not frames:
        raise InputFileError(f"{path}: no frames")
    return Trajectory(np.array(frames), types0, box, np.array(steps), unwrapped=False, dt=dt,
                      source=str(path), metadata=dict(species=species))


def write_extxyz(path, trajectory: Trajectory, species=None) -> None:
    """Write a trajectory as extended XYZ (orthorhombic Lattice, Properties=species:S:1:pos:R:3)."""
    d = trajectory.box.size
    L = np.zeros(3)
    L[:d] = trajectory.box
    names = species or [str(a) for a in range(int(trajectory.types.max()) + 1)]
    out = []
    for f, x in enumerate(trajectory.positions):
        out.append(f"{x.shape[0]}")
        out.append(f'Lattice="{float(L[0])!r} 0 0 0 {float(L[1])!r} 0 0 0 {float(L[2])!r}" '
                   f"Properties=species:S:1:pos:R:3 step={int(trajectory.steps[f])}")
        for t, p in zip(trajectory.types, x):
            z = float(p[2]) if d == 3 else 0.0
            out.append(f"{names[t]} {float(p[0])!r} {float(p[1])!r} {z!r}")
    Path(path).write_text("\n".join(out) + "\n")
