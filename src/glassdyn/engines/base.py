"""The engine interface the workflows depend on, and the registry of engines.

Two operations, the only ones the workflows use:

``simulation(configuration, potential, dt)``
    one system for equilibration, state points and quenches: an object with ``nvt(T, tdamp)``,
    ``nve()``, ``run(steps)``, ``trajectory(steps)``, ``minimize(...)``, ``per_particle_energy()``,
    ``potential_energy()``, ``forces()``, ``positions`` / ``velocities`` / ``types`` (get and set),
    ``draw_velocities(T, seed)``, ``configuration()``, ``close()`` (see
    :class:`~glassdyn.engines.lammps.LammpsSimulation`, the implementation).

``propagate(jobs, potential, temperature, steps, dt, tdamp, labels)``
    isoconfigurational replicas: for every :class:`ReplicaJob` (one configuration, the replica
    indices and their velocity seeds) run each replica from the configuration with fresh Maxwell
    velocities at exactly ``temperature`` (drawn from its seed, so every engine starts from the same
    velocities), under the Nose-Hoover chain of LAMMPS ``fix nvt``, and return the replica sums of
    every label of :data:`~glassdyn.dynamics.LABELS` at the step offsets ``steps``.

Engines: ``lammps`` (default; both operations) and ``torch`` (batched replicas on CPU or GPU; its
``simulation`` raises, so equilibration and quenches stay on LAMMPS).  ``get_engine(name, device,
precision)`` builds one; a new engine is a class registered with ``@ENGINES.register("name")``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..registry import Registry

__all__ = ["ENGINES", "Engine", "ReplicaJob", "get_engine", "open_simulation", "replica_seed", "label_sums",
           "maxwell_velocities", "kinetic_temperature"]

ENGINES = Registry("engine")


@dataclass
class ReplicaJob:
    """Replicas ``replicas`` of one configuration, with their velocity ``seeds`` (SeedSequence)."""

    configuration: object
    replicas: list
    seeds: list = field(default_factory=list)

    def __post_init__(self):
        if len(self.seeds) != len(self.replicas):
            raise ValueError("a replica job needs one seed per replica")


class Engine:
    """Interface of an MD engine (see the module docstring).  ``device`` and ``precision`` are the
    engine's options ("cpu" / "cuda", "float64" / "float32"); an engine refuses those it lacks."""

    name = ""
    #: replica copies one ``propagate`` call should hold (campaigns batch their units to this size)
    batch_copies = 1

    def __init__(self, device: str = "cpu", precision: str = "float64"):
        self.device, self.precision = device, precision

    def simulation(self, configuration, potential, dt: float):
        raise NotImplementedError(f"the {self.name} engine runs no single simulation; "
                                  "equilibration and quenches use engine='lammps'")

    def propagate(self, jobs, potential, temperature: float, steps, dt: float,
                  tdamp: float | None = None, labels: bool = True) -> list:
        raise NotImplementedError


def get_engine(name: str = "lammps", device: str = "cpu", precision: str = "float64") -> Engine:
    """An engine by name with its device and precision (clear errors for unknown values)."""
    from . import lammps_engine, torch_engine  # noqa: F401  (registration)

    return ENGINES.get(name)(device=device, precision=precision)


def replica_seed(base_seed: int, configuration: int, replica: int) -> np.random.SeedSequence:
    """Independent, recorded velocity seed of replica ``replica`` of configuration ``configuration``."""
    return np.random.SeedSequence([int(base_seed), int(configuration), int(replica)])


def open_simulation(configuration, potential, dt: float = 0.005, engine: str = "lammps"):
    """A single-system simulation (equilibration, state points, quenches) on ``engine``."""
    return get_engine(engine).simulation(configuration, potential, dt)


def label_sums(names, n_steps: int, n_particles: int) -> dict:
    """Zeroed replica sums {label: (n_t, N), label_sq: (n_t, N)} for the labels ``names``."""
    return {key: np.zeros((n_steps, n_particles)) for name in names for key in (name, f"{name}_sq")}


# ----------------------------------------------------------------------------- velocities
def maxwell_velocities(n: int, dimension: int, temperature: float, rng, exact: bool = True):
    """Maxwell-Boltzmann velocities (N, d) for unit masses with zero total momentum.

    With ``exact=True`` they are rescaled so that the kinetic temperature (d(N-1) degrees of
    freedom, the LAMMPS convention) equals ``temperature`` exactly.
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    rng = np.random.default_rng(rng)
    v = rng.normal(0.0, np.sqrt(temperature), size=(n, dimension))
    v -= v.mean(axis=0)
    if exact:
        v *= np.sqrt(temperature / kinetic_temperature(v))
    return v


def kinetic_temperature(velocities: np.ndarray) -> float:
    """Kinetic temperature sum m v^2 / (d (N - 1)) for unit masses (momentum removed)."""
    n, d = velocities.shape
    return float(np.sum(velocities**2) / (d * (n - 1)))
