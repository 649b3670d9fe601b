"""Isoconfigurational ensembles: N_R MD replicas of one configuration with fresh Maxwell velocities;
per-particle labels recorded on the fly (no trajectory written) and averaged over replicas.

Labels at each requested step offset (t = step * dt):
    bond_breaking (n_t, N): C_B^i(t) (1.4 / 1.8 sigma_ab, minimum image)
    displacement  (n_t, N): |r_i(t) - r_i(0)| from unwrapped positions, centre-of-mass drift removed
Replica r of configuration c uses the velocity seed ``replica_seed(base_seed, c, r)``.  A unit (a
fixed list of replicas run in one LAMMPS instance) recomputes bit-identically, which is what
resumable campaigns rely on.  A replica rerun in another grouping (e.g. alone instead of after the
others of its unit) starts from the same velocities but follows a different trajectory once chaos
amplifies round-off (measured at KA2D T = 0.45: identical labels to t = 11, different from t = 18):
statistically equivalent, not identical.
"""
from __future__ import annotations

import numpy as np

from ..dynamics.propensity import initial_neighbors
from ..engines.lammps import LammpsSimulation
from ..systems.configuration import Configuration
from ..systems.potentials import LennardJonesMixture

__all__ = ["BondTracker", "replica_seed", "run_replicas", "log_steps"]


def replica_seed(base_seed: int, configuration: int, replica: int) -> np.random.SeedSequence:
    """Independent, recorded velocity seed of one replica."""
    return np.random.SeedSequence([int(base_seed), int(configuration), int(replica)])


def log_steps(t_max: float, dt: float, n: int = 30) -> np.ndarray:
    """n roughly log-spaced distinct step offsets from 0 (included) to t_max / dt."""
    last = max(int(round(t_max / dt)), 1)
    steps = np.unique(np.round(np.geomspace(1, last, n)).astype(np.int64))
    return np.concatenate([[0], steps])


class BondTracker:
    """Streaming C_B^i: initial neighbours found once, then ``tracker(positions) -> (N,)``."""

    def __init__(self, initial: Configuration, sigma, r_in: float = 1.4, r_out: float = 1.8):
        self.initial = initial
        sigma = np.asarray(sigma, dtype=float)
        self.i, self.j = initial_neighbors(initial, sigma, r_in)
        n = initial.n_particles
        self.n0 = np.bincount(self.i, minlength=n).astype(float)
        self.limit2 = (r_out * sigma[initial.types[self.i], initial.types[self.j]]) ** 2

    def __call__(self, positions) -> np.ndarray:
        dr = self.initial.minimum_image(positions[self.j] - positions[self.i])
        kept = np.einsum("pd,pd->p", dr, dr) < self.limit2
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(self.i, weights=kept, minlength=self.n0.size) / self.n0


def run_replicas(configuration: Configuration, potential: LennardJonesMixture, temperature: float,
                 steps, replicas, base_seed: int, configuration_index: int = 0, dt: float = 0.01,
                 tdamp: float | None = None, labels: bool = True, simulation: LammpsSimulation = None):
    """Run the listed ``replicas`` (indices) of one configuration; return label sums.

    Returns dict(bond_breaking=(n_t, N) sum over the replicas, displacement=(n_t, N) sum,
    bond_breaking_sq / displacement_sq = (n_t, N) sums of squares (for the replica variance),
    replicas=list, seeds=list of entropy tuples).  Dividing by the number of replicas gives the
    propensities.  With ``labels=False`` the same MD runs in one piece, without snapshots or labels (the
    baseline of the label-overhead benchmark).
    """
    steps = np.asarray(steps, dtype=np.int64)
    n = configuration.n_particles
    own = simulation is None
    sim = LammpsSimulation(configuration, potential, dt) if own else simulation
    tracker = BondTracker(configuration, potential.sigma) if labels else None
    cb = np.zeros((steps.size, n))
    disp = np.zeros((steps.size, n))
    cb_sq = np.zeros((steps.size, n))
    disp_sq = np.zeros((steps.size, n))
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
                d = x - x0
                d -= d.mean(axis=0)
                dk, ck = np.linalg.norm(d, axis=1), tracker(x)
                disp[k] += dk
                cb[k] += ck
                disp_sq[k] += dk * dk
                cb_sq[k] += ck * ck
    finally:
        if own:
            sim.close()
    return dict(bond_breaking=cb, displacement=disp, bond_breaking_sq=cb_sq, displacement_sq=disp_sq,
                replicas=list(replicas), seeds=seeds)
