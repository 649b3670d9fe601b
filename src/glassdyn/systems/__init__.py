"""Systems: potentials (single source of truth), presets and validated configurations."""
from .configuration import Configuration
from .potentials import (POTENTIAL_KINDS, POTENTIALS, LennardJonesMixture, PairPotential, PotentialResult,
                         get_potential, potential_from_dict)
from .presets import SYSTEMS, SystemPreset, get_system

__all__ = ["Configuration", "PairPotential", "POTENTIAL_KINDS", "potential_from_dict", "LennardJonesMixture", "PotentialResult", "POTENTIALS", "get_potential",
           "SystemPreset", "SYSTEMS", "get_system"]
