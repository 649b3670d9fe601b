"""Cost of on-the-fly labels: an isoconfigurational run (KA2D N = 1290, T = 0.6, 4 replicas of
10000 steps, C_B and displacements at 40 log-spaced times) with labels vs the same MD run through
one uninterrupted run of the same length without snapshots.  Last line: label_overhead_ratio (target <= 1.15).
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.workflows import log_steps, run_replicas  # noqa: E402


def main():
    system, (conf,) = ka2d_liquids(0.6)
    conf = conf.copy(velocities=None)
    steps = log_steps(100.0, system.dt, 40)
    run_replicas(conf, system.potential, 0.6, steps[:5], [0], 1, dt=system.dt)  # warm-up
    best = {}
    for labels in (False, True, False, True):
        t = time.perf_counter()
        run_replicas(conf, system.potential, 0.6, steps, range(4), 1, dt=system.dt, labels=labels)
        dt = time.perf_counter() - t
        best[labels] = min(best.get(labels, dt), dt)
    print(f"without labels {best[False]:.2f} s, with labels {best[True]:.2f} s ({len(steps)} snapshots x 4)")
    print(f"label_overhead_ratio={best[True] / best[False]:.3f}")


if __name__ == "__main__":
    main()
