"""Replica throughput of 2 local worker processes vs 1, in steady state, with start-up reported apart.

Work: 8 units of KA2D N = 1290 at T = 1.0, one replica of 8000 steps each (labels at 30 log-spaced
times), the campaign's own unit function ``run_unit``.

1. serial, warm: the 8 units in this process after one warm-up unit (LAMMPS, numba loaded);
2. pool, warm: a 2-process pool that has already run one short unit per worker (spawn, imports,
   LAMMPS and numba initialisation done), then the 8 units -> steady-state speedup;
3. the whole campaign as users run it (``Campaign.run(workers=2)``: fresh pool, at most one unit
   in flight per worker so a dead worker's units are known, atomic unit files, store assembly) ->
   what start-up and that bookkeeping cost.

All three give identical labels (checked).  Last lines: pool_startup_seconds=,
replica_speedup_2_workers= (steady state, target >= 1.8), campaign_speedup_2_workers= (end to end).
"""
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.workflows import Campaign, CampaignSpec, log_steps, read_store  # noqa: E402
from glassdyn.workflows.campaign import run_unit  # noqa: E402

STEPS = 8000


def main():
    system, confs = ka2d_liquids(1.0, count=2)
    confs = [c.copy(velocities=None) for c in confs]
    spec = CampaignSpec(system="ka2d", temperature=1.0, n_replicas=4,
                        steps=log_steps(STEPS * system.dt, system.dt, 30).tolist(), seed=3, replicas_per_unit=1)
    warm = CampaignSpec(system="ka2d", temperature=1.0, n_replicas=1, steps=[0, 10], seed=3)
    jobs = [(spec.to_json(), c, b, confs[c].positions, confs[c].types, confs[c].box)
            for c in range(2) for b in range(4)]
    warm_job = (warm.to_json(), 0, 0, confs[0].positions, confs[0].types, confs[0].box)

    run_unit(*warm_job)
    t = time.perf_counter()
    serial = [run_unit(*j) for j in jobs]
    t_serial = time.perf_counter() - t

    t = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(run_unit, *zip(warm_job, warm_job)))  # one warm-up unit per worker
        t_start = time.perf_counter() - t
        t = time.perf_counter()
        pooled = list(pool.map(run_unit, *zip(*jobs)))
        t_pool = time.perf_counter() - t
    for a, b in zip(serial, pooled):
        assert np.array_equal(a["bond_breaking"], b["bond_breaking"]), "pool and serial results differ"

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        Campaign(spec, confs, Path(tmp) / "c.h5").run(workers=2, progress=False)
        t_campaign = time.perf_counter() - t
        store = read_store(Path(tmp) / "c.h5")["label"]["bond_breaking"]
    assert np.allclose(store[0], np.mean([u["bond_breaking"] for u in serial[:4]], axis=0), atol=1e-12)

    unit = t_serial / len(jobs)
    print(f"8 units of {STEPS} steps (N = 1290): serial {t_serial:.1f} s ({unit:.2f} s per unit), warm 2-worker "
          f"pool {t_pool:.1f} s, pool start-up (spawn + imports + first unit) {t_start:.1f} s, "
          f"Campaign.run(workers=2) end to end {t_campaign:.1f} s; identical labels")
    print(f"pool_startup_seconds={t_start:.2f}")
    print(f"replica_speedup_2_workers={t_serial / t_pool:.2f}")
    print(f"campaign_speedup_2_workers={t_serial / t_campaign:.2f}")


if __name__ == "__main__":
    main()
