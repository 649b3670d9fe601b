"""Replica throughput with 2 local worker processes vs 1 on the same campaign work.

8 units (KA2D N = 1290, T = 1.0, one replica of 4000 steps each, labels at 30 log-spaced times),
run by Campaign with workers=1 and workers=2 into fresh stores; both stores are checked to be
identical.  Last line: replica_speedup_2_workers (target >= 1.8).
"""
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.workflows import Campaign, CampaignSpec, log_steps, read_store  # noqa: E402


def main():
    system, confs = ka2d_liquids(1.0, count=2)
    confs = [c.copy(velocities=None) for c in confs]
    spec = CampaignSpec(system="ka2d", temperature=1.0, n_replicas=4,
                        steps=log_steps(40.0, system.dt, 30).tolist(), seed=3, replicas_per_unit=1)
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            t = time.perf_counter()
            Campaign(spec, confs, Path(tmp) / f"w{workers}.h5").run(workers=workers, progress=False)
            times[workers] = time.perf_counter() - t
        a, b = (read_store(Path(tmp) / f"w{w}.h5")["label"]["bond_breaking"] for w in (1, 2))
        assert np.array_equal(a, b), "1- and 2-worker results differ"
    print(f"8 units: 1 worker {times[1]:.2f} s, 2 workers {times[2]:.2f} s (identical results)")
    print(f"replica_speedup_2_workers={times[1] / times[2]:.2f}")


if __name__ == "__main__":
    main()
