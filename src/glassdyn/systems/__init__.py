"""Systems: potentials (single source of truth), presets and validated configurations."""
from .configuration import Configuration
from .potentials import POTENTIALS, LennardJonesMixture, PotentialResult, get_potential
from .presets import SYSTEMS, SystemPreset, get_system

__all__ = ["Configuration", "LennardJonesMixture", "PotentialResult", "POTENTIALS", "get_potential",
           "SystemPreset", "SYSTEMS", "get_system"]
