"""Structure: partial structure-factor conventions (descriptors and S(k) come with issue 4)."""
from .conventions import CONVENTIONS, convert_partials, total_structure_factor

__all__ = ["CONVENTIONS", "convert_partials", "total_structure_factor"]
