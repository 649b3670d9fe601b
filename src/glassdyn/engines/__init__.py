"""Engines: the interface the workflows use (:mod:`.base`), LAMMPS (MD, minimisation, replicas),
batched PyTorch replicas (:mod:`.torch_md`, :mod:`.torch_engine`; CPU or GPU) and the local-energy
swap Monte Carlo kernel."""
from .base import (ENGINES, Engine, ReplicaJob, get_engine, kinetic_temperature, maxwell_velocities,
                   open_simulation, replica_seed)
from .lammps import LammpsError, LammpsSimulation, LammpsUnavailableError, load_lammps
from .lammps_engine import LammpsEngine
from .swap import SwapMC, SwapResult, run_swap_md
from .torch_engine import TorchEngine

__all__ = ["ENGINES", "Engine", "ReplicaJob", "get_engine", "open_simulation", "replica_seed",
           "LammpsEngine", "TorchEngine", "LammpsSimulation", "LammpsError", "LammpsUnavailableError",
           "load_lammps", "maxwell_velocities", "kinetic_temperature", "SwapMC", "SwapResult", "run_swap_md"]
