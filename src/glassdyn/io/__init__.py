"""Readers for external data; every reader validates and names what is wrong."""
from .botan import IsoconfigurationalSample, read_botan_npz
from .lammps_dump import read_lammps_dump
from .trajectory import Trajectory

__all__ = ["Trajectory", "read_lammps_dump", "read_botan_npz", "IsoconfigurationalSample"]
