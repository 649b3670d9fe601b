"""Dynamics: propensities, scattering, relaxation times, heterogeneity (chi4, S4, G4), psi6."""
from .bond_order import bond_orientational_correlation, psi6
from .heterogeneity import S4Fit, chi4, fit_s4, four_point_structure_factor, g4, smooth_overlap
from .propensity import LABELS, BondBreaking, BondBreakingLabel, DisplacementLabel, displacement, initial_neighbors
from .relaxation import particle_relaxation_times, relaxation_time
from .scattering import self_intermediate_scattering

__all__ = ["LABELS", "BondBreakingLabel", "DisplacementLabel", "BondBreaking", "displacement", "initial_neighbors", "self_intermediate_scattering",
           "relaxation_time", "particle_relaxation_times", "chi4", "four_point_structure_factor", "fit_s4", "S4Fit", "g4",
           "smooth_overlap", "psi6", "bond_orientational_correlation"]
