"""Inherent structures: the nearest local minimum of the potential energy (Jung 2023 SM I.B)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engines.base import open_simulation
from ..systems.configuration import Configuration
from ..systems.potentials import PairPotential

__all__ = ["InherentStructure", "inherent_structure"]


@dataclass
class InherentStructure:
    """A quenched configuration with its total energy, per-particle energies (N,) and residual force."""

    configuration: Configuration
    energy: float
    per_particle_energy: np.ndarray
    max_force: float
    iterations: int
    converged: bool

    def __repr__(self):
        return (f"InherentStructure(N={self.configuration.n_particles}, energy={self.energy:.10g}, "
                f"max_force={self.max_force:.2e}, iterations={self.iterations}, "
                f"converged={self.converged})")


def inherent_structure(configuration: Configuration, potential: PairPotential, *,
                       ftol: float = 1e-8, method: str = "fire", simulation=None,
                       strict: bool = True) -> InherentStructure:
    """Quench ``configuration`` to max_i |F_i| <= ftol (default 1e-8, "machine precision").

    Pass an existing ``simulation`` (:func:`~glassdyn.engines.open_simulation`) of the same system to reuse it (its positions
    are overwritten).  With ``strict`` a quench that does not reach ``ftol`` raises RuntimeError.
    """
    own = simulation is None
    sim = open_simulation(configuration, potential) if own else simulation
    try:
        if not own:
            potential.check(configuration)
            sim.positions = configuration.positions
            sim.types = configuration.types
        res = sim.minimize(ftol=ftol, method=method)
        per_particle = sim.per_particle_energy()
    finally:
        if own:
            sim.close()
    if strict and not res.converged:
        raise RuntimeError(f"quench did not converge: max|F| = {res.max_force:.3g} > ftol = {ftol:g} "
                           f"after {res.iterations} iterations ({method})")
    return InherentStructure(res.configuration, res.energy, per_particle, res.max_force,
                             res.iterations, res.converged)
