"""Replica engines on this machine's CPU: microseconds per atom-step of isoconfigurational
propagation (NVT, labels on the fly at log-spaced steps), KA2D N = 1290 at T = 0.5, through the
engine interface the campaigns use.  LAMMPS (one replica after the other, 1 core: the campaigns run
one LAMMPS per core) beside the torch engine (R copies batched, all cores) with R = 1 and R = 16,
float64 and float32, in the same run.

Per core: LAMMPS uses one core per replica stream (campaigns run one per core); torch uses every
core for one batch, so its time per atom-step counts ``threads`` cores.  Last line:
replica_engine_cpu_ratio = torch (R = 16, float64) / LAMMPS core-microseconds per atom-step
(> 1: torch is slower on this CPU).
Set GLASSDYN_TORCH_COMPILE=1 to add the torch.compile'd force kernel (needs a C++ compiler).
"""
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.engines import ReplicaJob, get_engine  # noqa: E402
from glassdyn.engines.torch_engine import TorchEngine  # noqa: E402
from glassdyn.workflows import replica_seed  # noqa: E402

T = 0.5


def per_atom_step(engine, conf, potential, dt, replicas: int, steps: int) -> float:
    """Best of two timed propagations (after a short warm-up), in microseconds per atom-step."""
    label_steps = np.unique(np.geomspace(1, steps, 12).astype(int))
    label_steps = np.concatenate([[0], label_steps])
    job = ReplicaJob(conf, list(range(replicas)), [replica_seed(0, 0, r) for r in range(replicas)])
    engine.propagate([job], potential, T, label_steps[:3], dt)  # warm-up (and compilation)
    best = np.inf
    for _ in range(2):
        t = time.perf_counter()
        engine.propagate([job], potential, T, label_steps, dt)
        best = min(best, time.perf_counter() - t)
    return best / (replicas * steps * conf.n_particles) * 1e6


def main():
    system, (conf,) = ka2d_liquids(T)
    conf = conf.copy(velocities=None)
    import torch

    threads = TorchEngine().threads
    print(f"KA2D N = {conf.n_particles}, T = {T}; torch {torch.__version__} on {threads} threads; "
          f"{os.cpu_count()} cores; figures in core-microseconds per atom-step")
    lammps = per_atom_step(get_engine("lammps"), conf, system.potential, system.dt, 1, 2000)
    print(f"lammps        R =  1 float64: {lammps:7.3f} us/atom-step")
    rows = {}
    variants = [(1, "float64", False), (16, "float64", False), (1, "float32", False), (16, "float32", False)]
    if os.environ.get("GLASSDYN_TORCH_COMPILE") == "1":
        variants += [(16, "float64", True), (16, "float32", True)]
    for r, precision, compiled in variants:
        engine = TorchEngine("cpu", precision, compile=compiled)
        rows[r, precision, compiled] = threads * per_atom_step(engine, conf, system.potential, system.dt, r,
                                                               200 if r > 1 else 600)
        print(f"torch{' compiled' if compiled else '         '} R = {r:2d} {precision}: "
              f"{rows[r, precision, compiled]:7.3f} us/atom-step  ({rows[r, precision, compiled] / lammps:5.1f} x LAMMPS)")
    print(f"replica_engine_cpu_ratio={rows[16, 'float64', False] / lammps:.2f}")


if __name__ == "__main__":
    main()
