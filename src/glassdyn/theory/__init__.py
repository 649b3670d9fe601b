"""Theory: memory-equation solver, mode-coupling theory, Percus-Yevick inputs."""
from .mct import OneComponentMCT, critical_point, exponent_parameter, nonergodicity_parameter
from .memory_equation import MemorySolution, solve_memory_equation
from .schematic import SchematicF12, exponents_from_lambda, f12_critical_line
from .percus_yevick import midpoint_grid, py_direct_correlation, py_structure_factor

__all__ = ["solve_memory_equation", "MemorySolution", "OneComponentMCT", "nonergodicity_parameter",
           "critical_point", "exponent_parameter", "SchematicF12", "exponents_from_lambda", "f12_critical_line", "midpoint_grid", "py_direct_correlation", "py_structure_factor"]
