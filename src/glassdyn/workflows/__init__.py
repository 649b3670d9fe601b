"""Workflows: inherent structures, equilibration, isoconfigurational replicas, campaigns."""
from .campaign import Campaign, CampaignSpec, compact_store, read_store, shipped_store
from .equilibrate import equilibrate
from .inherent import InherentStructure, inherent_structure
from .isoconfigurational import log_steps, replica_seed, run_replicas
from .simulate import load_preset, simulate

__all__ = ["InherentStructure", "inherent_structure", "equilibrate", "run_replicas",
           "replica_seed", "log_steps", "Campaign", "CampaignSpec", "read_store", "simulate",
           "load_preset", "compact_store", "shipped_store"]
