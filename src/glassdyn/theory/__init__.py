"""Theory: memory-equation solver, mode-coupling theory, Percus-Yevick inputs."""
from .mct import (OneComponentMCT, TaggedMCT, critical_point, exponent_parameter,
                  nonergodicity_parameter)
from .mct_mixture import MixtureMCT, identical_mixture
from .memory_equation import MemorySolution, solve_given_memory, solve_memory_equation, time_grid
from .schematic import SchematicF12, exponents_from_lambda, f12_critical_line
from .percus_yevick import (midpoint_grid, py_direct_correlation, py_mixture_structure_factor,
                            py_structure_factor)

__all__ = ["solve_memory_equation", "solve_given_memory", "time_grid", "MemorySolution",
           "OneComponentMCT", "TaggedMCT", "MixtureMCT", "identical_mixture", "nonergodicity_parameter",
           "critical_point", "exponent_parameter", "SchematicF12", "exponents_from_lambda", "f12_critical_line", "midpoint_grid", "py_direct_correlation", "py_structure_factor",
           "py_mixture_structure_factor"]
