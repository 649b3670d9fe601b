"""Structure: GlassMLP descriptors, coarse-graining, partial S(k) conventions."""
from .coarse_grain import DEFAULT_LENGTHS, coarse_grain, truncation_error
from .conventions import CONVENTIONS, convert_partials, total_structure_factor
from .descriptors import DESCRIPTORS, GlassMLPDescriptors, descriptor_from_definition
from .voronoi import species_radii, voronoi_measure
from .structure_factor import StructureFactor, partial_structure_factors

__all__ = ["DESCRIPTORS", "descriptor_from_definition", "CONVENTIONS", "convert_partials", "total_structure_factor", "coarse_grain",
           "truncation_error", "DEFAULT_LENGTHS", "GlassMLPDescriptors", "voronoi_measure", "species_radii",
           "StructureFactor", "partial_structure_factors"]
