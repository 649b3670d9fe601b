"""Isoconfigurational ensembles: N_R MD replicas of one configuration with fresh Maxwell velocities;
per-particle labels recorded on the fly (no trajectory written) and averaged over replicas.

Labels at each requested step offset (t = step * dt): every label of the registry
:data:`glassdyn.dynamics.LABELS` (bond_breaking: C_B^i(t), 1.4 / 1.8 sigma_ab, minimum image;
displacement: |r_i(t) - r_i(0)| from unwrapped positions, centre-of-mass drift removed), (n_t, N).
Replica r of configuration c uses the velocity seed ``replica_seed(base_seed, c, r)``.  A unit (a
fixed list of replicas run in one LAMMPS instance) recomputes bit-identically, which is what
resumable campaigns rely on.  A replica rerun in another grouping (e.g. alone instead of after the
others of its unit) starts from the same velocities but follows a different trajectory once chaos
amplifies round-off (measured at KA2D T = 0.45: identical labels to t = 11, different from t = 18):
statistically equivalent, not identical.
"""
from __future__ import annotations

import numpy as np

from ..dynamics.propensity import LABELS
from ..engines.lammps import LammpsSimulation
from ..systems.configuration import Configuration
from ..systems.potentials import PairPotential

__all__ = ["replica_seed", "run_replicas", "log_steps"]


def replica_seed(base_seed: int, configuration: int, replica: int) -> np.random.SeedSequence:
    """Independent, recorded velocity seed of one replica."""
    return np.random.SeedSequence([int(base_seed), int(configuration), int(replica)])


def log_steps(t_max: float, dt: float, n: int = 30) -> np.ndarray:
    """n roughly log-spaced distinct step offsets from 0 (included) to t_max / dt."""
    last = max(int(round(t_max / dt)), 1)
    steps = np.unique(np.round(np.geomspace(1, last, n)).astype(np.int64))
    return np.concatenate([[0], steps])


def run_replicas(configuration: Configuration, potential: PairPotential, temperature: float,
                 steps, replicas, base_seed: int, configuration_index: int = 0, dt: float = 0.01,
                 tdamp: float | None = None, labels: bool = True, simulation: LammpsSimulation = None):
    """Run the listed ``replicas`` (indices) of one configuration; return label sums.

    Returns dict({label}=(n_t, N) sum over the replicas and {label}_sq = (n_t, N) sum of squares
    (for the replica variance) for every label of :data:`~glassdyn.dynamics.LABELS`,
    replicas=list, seeds=list of entropy tuples).  Dividing by the number of replicas gives the
    propensities.  With ``labels=False`` the same MD runs in one piece, without snapshots or labels (the
    baseline of the label-overhead benchmark).
    """
    steps = np.asarray(steps, dtype=np.int64)
    n = configuration.n_particles
    own = simulation is None
    sim = LammpsSimulation(configuration, potential, dt) if own else simulation
    names = LABELS.names() if labels else []
    trackers = [LABELS.get(name)(configuration, potential) for name in names]
    sums = {key: np.zeros((steps.size, n)) for name in names for key in (name, f"{name}_sq")}
    seeds = []
    try:
        for r in replicas:
            ss = replica_seed(base_seed, configuration_index, r)
            seeds.append(tuple(ss.entropy) if isinstance(ss.entropy, (list, tuple)) else ss.entropy)
            sim.positions = configuration.positions
            sim.types = configuration.types
            sim.draw_velocities(temperature, np.random.default_rng(ss))
            sim.nvt(temperature, tdamp)
            if not labels:  # the bare MD of the same length: the overhead baseline
                sim.run(int(steps[-1]))
                continue
            x0 = None
            for k, (_, x) in enumerate(sim.trajectory(steps)):
                if x0 is None:
                    x0 = x
                for name, tracker in zip(names, trackers):
                    v = tracker(x, x0)
                    sums[name][k] += v
                    sums[f"{name}_sq"][k] += v * v
    finally:
        if own:
            sim.close()
    return dict(sums, replicas=list(replicas), seeds=seeds)
