"""Isoconfigurational ensembles: N_R MD replicas of one configuration with fresh Maxwell velocities;
per-particle labels recorded on the fly (no trajectory written) and averaged over replicas.

Labels at each requested step offset (t = step * dt): every label of the registry
:data:`glassdyn.dynamics.LABELS` (bond_breaking: C_B^i(t), 1.4 / 1.8 sigma_ab, minimum image;
displacement: |r_i(t) - r_i(0)| from unwrapped positions, centre-of-mass drift removed), (n_t, N).
Replica r of configuration c uses the velocity seed ``replica_seed(base_seed, c, r)`` on every
engine (:mod:`glassdyn.engines`: LAMMPS, or batched PyTorch on CPU / GPU).  A unit (a
fixed list of replicas run in one engine call) recomputes bit-identically, which is what
resumable campaigns rely on.  A replica rerun in another grouping (e.g. alone instead of after the
others of its unit) starts from the same velocities but follows a different trajectory once chaos
amplifies round-off (measured at KA2D T = 0.45: identical labels to t = 11, different from t = 18):
statistically equivalent, not identical.
"""
from __future__ import annotations

import numpy as np

from ..engines.base import Engine, ReplicaJob, get_engine, replica_seed
from ..systems.configuration import Configuration
from ..systems.potentials import PairPotential

__all__ = ["replica_seed", "run_replicas", "log_steps"]


def log_steps(t_max: float, dt: float, n: int = 30) -> np.ndarray:
    """n roughly log-spaced distinct step offsets from 0 (included) to t_max / dt."""
    last = max(int(round(t_max / dt)), 1)
    steps = np.unique(np.round(np.geomspace(1, last, n)).astype(np.int64))
    return np.concatenate([[0], steps])


def run_replicas(configuration: Configuration, potential: PairPotential, temperature: float,
                 steps, replicas, base_seed: int, configuration_index: int = 0, dt: float = 0.01,
                 tdamp: float | None = None, labels: bool = True, engine: Engine | str = "lammps"):
    """Run the listed ``replicas`` (indices) of one configuration on ``engine``; return label sums.

    Returns dict({label}=(n_t, N) sum over the replicas and {label}_sq = (n_t, N) sum of squares
    (for the replica variance) for every label of :data:`~glassdyn.dynamics.LABELS`,
    replicas=list, seeds=list of entropy tuples).  Dividing by the number of replicas gives the
    propensities.  With ``labels=False`` the same MD runs in one piece, without snapshots or labels (the
    baseline of the label-overhead benchmark).
    """
    engine = get_engine(engine) if isinstance(engine, str) else engine
    replicas = list(replicas)
    seeds = [replica_seed(base_seed, configuration_index, r) for r in replicas]
    job = ReplicaJob(configuration, replicas, seeds)
    sums = engine.propagate([job], potential, temperature, steps, dt, tdamp, labels)[0]
    return dict(sums, replicas=replicas, seeds=[tuple(ss.entropy) for ss in seeds])
