"""Theory: memory-equation solver, mode-coupling theory, Percus-Yevick inputs."""
from .mct import (MCT_KERNELS, OneComponentMCT, TaggedMCT, critical_point, exponent_parameter,
                  nonergodicity_parameter)
from .mct_mixture import MixtureMCT, critical_temperature, identical_mixture, partials_convention
from .memory_equation import MemorySolution, solve_given_memory, solve_memory_equation, time_grid
from .memory_fit import MemoryFit, StretchedMemory, fit_memory, r2_score
from .memory_inversion import MemoryInversion, memory_from_data
from .schematic import DoubleStretchedMemory, SchematicF12, exponents_from_lambda, f12_critical_line
from .solution import MCTSolution, solve_mct
from .percus_yevick import (HARD_SPHERE_DIMENSIONS, hard_sphere_density, hard_sphere_direct_correlation,
                            hard_sphere_structure_factor, midpoint_grid, py_direct_correlation,
                            py_mixture_structure_factor, py_structure_factor)
from .vertex import BipolarVertex

__all__ = ["MCT_KERNELS", "solve_mct", "MCTSolution", "solve_memory_equation", "solve_given_memory", "time_grid", "MemorySolution",
           "OneComponentMCT", "TaggedMCT", "MixtureMCT", "identical_mixture", "partials_convention", "critical_temperature", "nonergodicity_parameter",
           "critical_point", "exponent_parameter", "fit_memory", "StretchedMemory", "MemoryFit", "r2_score",
           "SchematicF12", "DoubleStretchedMemory", "exponents_from_lambda", "f12_critical_line", "midpoint_grid", "py_direct_correlation", "py_structure_factor",
           "py_mixture_structure_factor", "hard_sphere_density", "hard_sphere_direct_correlation",
           "hard_sphere_structure_factor", "HARD_SPHERE_DIMENSIONS", "BipolarVertex", "memory_from_data", "MemoryInversion"]
