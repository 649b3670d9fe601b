"""Workflows built on the engines: inherent structures (equilibration and campaigns to come)."""
from .inherent import InherentStructure, inherent_structure

__all__ = ["InherentStructure", "inherent_structure"]
