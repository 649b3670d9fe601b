"""Files: readers of external data and of glassdyn's own stores (every reader validates and names what
is wrong: InputFileError), atomic writes, the provenance stamp."""
from ..errors import InputFileError
from .botan import IsoconfigurationalSample, read_botan_npz
from .gsd_xyz import read_extxyz, read_gsd, write_extxyz
from .lammps_dump import read_lammps_dump
from .library import StatePointLibrary, read_library
from .models import ModelFolder, read_model_folder
from .stores import CampaignStore, read_store
from .trajectory import Trajectory

__all__ = ["Trajectory", "read_lammps_dump", "read_botan_npz", "IsoconfigurationalSample",
           "read_gsd", "read_extxyz", "write_extxyz", "CampaignStore", "read_store",
           "StatePointLibrary", "read_library", "ModelFolder", "read_model_folder"]


def read_trajectory(path, fmt: str | None = None, dt: float | None = None) -> Trajectory:
    """Any supported trajectory: LAMMPS dump ("dump"), extended XYZ ("extxyz"), GSD ("gsd").

    Without ``fmt`` the format is guessed: .gsd is GSD; text files starting with
    "ITEM: TIMESTEP" are LAMMPS dumps, other text files extended XYZ.
    """
    from pathlib import Path

    path = Path(path)
    if fmt is None:
        if path.suffix == ".gsd":
            fmt = "gsd"
        else:
            try:
                with open(path) as fh:
                    first = fh.readline().strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise InputFileError(f"cannot read {path}: {exc}") from None
            fmt = "dump" if first == "ITEM: TIMESTEP" else "extxyz"
    if fmt == "dump":
        return read_lammps_dump(path, dt=dt)
    if fmt == "extxyz":
        return read_extxyz(path, dt=dt)
    if fmt == "gsd":
        return read_gsd(path, dt=dt)
    raise ValueError(f"unknown trajectory format {fmt!r}; use dump, extxyz or gsd")


__all__.append("read_trajectory")
