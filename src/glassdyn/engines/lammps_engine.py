"""The ``lammps`` engine (the default): single simulations are
:class:`~glassdyn.engines.lammps.LammpsSimulation`; isoconfigurational replicas run one after the
other in one LAMMPS instance per job, labels of :data:`~glassdyn.dynamics.LABELS` streamed from
unwrapped positions at the label steps (no trajectory written)."""
from __future__ import annotations

import numpy as np

from .base import ENGINES, Engine, label_sums
from .lammps import LammpsSimulation

__all__ = ["LammpsEngine"]


@ENGINES.register("lammps")
class LammpsEngine(Engine):
    """The LAMMPS engine: one LAMMPS instance per job, its replicas run one after the other
    (positions, types and velocities reset between them; a fresh ``fix nvt`` chain each)."""

    name = "lammps"

    def __init__(self, device: str = "cpu", precision: str = "float64"):
        if device != "cpu" or precision != "float64":
            raise ValueError(f"the lammps engine runs on device 'cpu' in 'float64' (got {device!r}, "
                             f"{precision!r}); use engine='torch' for GPUs or float32")
        super().__init__(device, precision)

    def simulation(self, configuration, potential, dt: float = 0.005) -> LammpsSimulation:
        return LammpsSimulation(configuration, potential, dt)

    def propagate(self, jobs, potential, temperature, steps, dt, tdamp=None, labels=True) -> list:
        from ..dynamics.propensity import LABELS

        steps = np.asarray(steps, dtype=np.int64)
        names = LABELS.names() if labels else []
        results = []
        for job in jobs:
            conf = job.configuration
            trackers = [LABELS.get(name)(conf, potential) for name in names]
            sums = label_sums(names, steps.size, conf.n_particles)
            with LammpsSimulation(conf, potential, dt) as sim:
                for seed in job.seeds:
                    sim.positions = conf.positions
                    sim.types = conf.types
                    sim.draw_velocities(temperature, np.random.default_rng(seed))
                    sim.nvt(temperature, tdamp)
                    if not labels:  # the bare MD of the same length: the overhead baseline
                        sim.run(int(steps[-1]))
                        continue
                    x0 = None
                    for k, (_, x) in enumerate(sim.trajectory(steps)):
                        x0 = x if x0 is None else x0
                        for name, tracker in zip(names, trackers):
                            v = tracker(x, x0)
                            sums[name][k] += v
                            sums[f"{name}_sq"][k] += v * v
            results.append(sums)
        return results
