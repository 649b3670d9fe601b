"""Engines: LAMMPS (MD, minimisation) and the local-energy swap Monte Carlo kernel."""
from .lammps import (LammpsError, LammpsSimulation, LammpsUnavailableError, kinetic_temperature,
                     load_lammps, maxwell_velocities)
from .swap import SwapMC, SwapResult, run_swap_md

__all__ = ["LammpsSimulation", "LammpsError", "LammpsUnavailableError", "load_lammps",
           "maxwell_velocities", "kinetic_temperature", "SwapMC", "SwapResult", "run_swap_md"]
