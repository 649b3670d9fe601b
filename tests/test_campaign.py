"""Isoconfigurational campaigns: labels, on-the-fly = post hoc, resume after kill -9, Dask = local."""
import json

import numpy as np
import pytest

from conftest import kill_and_resume

from glassdyn.dynamics import BondBreaking, displacement
from glassdyn.engines import LammpsSimulation
from glassdyn.workflows import (Campaign, CampaignSpec, load_preset, read_store, replica_seed,
                                run_replicas)

STEPS = [0, 5, 20, 60, 150]


def _spec(**kw):
    args = dict(system="ka2d", temperature=1.0, n_replicas=4, steps=STEPS, seed=7, replicas_per_unit=1)
    args.update(kw)
    return CampaignSpec(**args)


@pytest.fixture(scope="module")
def configs(liquid):
    system, conf = liquid("ka2d", 1.0, 500)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.nvt(1.0)
        out = []
        for _ in range(3):
            sim.run(300)
            out.append(sim.configuration(with_velocities=False))
    return system, out


def test_replicas_share_positions_and_differ_in_velocities(configs):
    system, confs = configs
    v = [np.random.default_rng(replica_seed(7, 0, r)).normal(size=3) for r in range(3)]
    assert not np.allclose(v[0], v[1])
    res = run_replicas(confs[0], system.potential, 1.0, STEPS, [0, 1], 7, 0, dt=system.dt)
    one = run_replicas(confs[0], system.potential, 1.0, STEPS, [0], 7, 0, dt=system.dt)
    two = run_replicas(confs[0], system.potential, 1.0, STEPS, [1], 7, 0, dt=system.dt)
    np.testing.assert_allclose(res["bond_breaking"], one["bond_breaking"] + two["bond_breaking"])
    np.testing.assert_array_equal(res["bond_breaking"][0], 2.0)  # C_B(0) = 1 for each replica
    np.testing.assert_array_equal(res["displacement"][0], 0.0)
    assert not np.allclose(one["displacement"][-1], two["displacement"][-1])  # different velocities


def test_on_the_fly_labels_equal_post_hoc(configs):
    system, confs = configs
    conf = confs[1]
    live = run_replicas(conf, system.potential, 1.0, STEPS, [3], 7, 1, dt=system.dt)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:  # the same replica, stored
        sim.positions = conf.positions
        sim.types = conf.types
        sim.draw_velocities(1.0, np.random.default_rng(replica_seed(7, 1, 3)))
        sim.nvt(1.0)
        frames = np.array([x for _, x in sim.trajectory(STEPS)])
    cb = BondBreaking(system.potential.sigma).compute(conf, frames).values
    np.testing.assert_allclose(live["bond_breaking"], cb, atol=1e-12)
    np.testing.assert_allclose(live["displacement"], displacement(frames[0], frames), atol=1e-12)


def test_store_holds_replica_averages(configs, tmp_path):
    system, confs = configs
    spec = _spec(n_replicas=2, replicas_per_unit=2)
    Campaign(spec, confs[:2], tmp_path / "s.h5").run(progress=False)
    data = read_store(tmp_path / "s.h5")
    direct = run_replicas(confs[1], system.potential, 1.0, STEPS, [0, 1], 7, 1, dt=system.dt)
    np.testing.assert_allclose(data["label"]["bond_breaking"][1], direct["bond_breaking"] / 2, atol=1e-12)
    assert data["label"]["replicas_done"].tolist() == [2, 2]
    # replica variance: (x0 - x1)^2 / 2 from the two single-replica runs
    one, two = (run_replicas(confs[1], system.potential, 1.0, STEPS, [r], 7, 1, dt=system.dt) for r in (0, 1))
    for k in ("bond_breaking", "displacement"):
        np.testing.assert_allclose(data["label"][f"{k}_var"][1], (one[k] - two[k]) ** 2 / 2, atol=1e-10)
    assert data["label"]["displacement_var"][1, -1].mean() > 0
    assert json.loads(data["attrs"]["campaign"])["seed"] == 7
    np.testing.assert_allclose(data["label"]["times"], np.array(STEPS) * system.dt)


def test_resume_after_kill_is_identical(configs, tmp_path):
    system, confs = configs
    done_before, a, b = kill_and_resume(_spec(), confs, tmp_path, at_least=3)
    assert done_before < 12
    np.testing.assert_array_equal(a["label"]["bond_breaking"], b["label"]["bond_breaking"])
    np.testing.assert_array_equal(a["label"]["displacement"], b["label"]["displacement"])


def test_dask_local_cluster_equals_local_processes(configs, tmp_path):
    from distributed import LocalCluster

    system, confs = configs
    spec = _spec(n_replicas=2)
    Campaign(spec, confs[:2], tmp_path / "local.h5").run(workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        # the address string, as `glassdyn simulate --scheduler tcp://...` passes it
        Campaign(spec, confs[:2], tmp_path / "dask.h5").run(scheduler=cl.scheduler_address, progress=False)
    a, b = read_store(tmp_path / "local.h5"), read_store(tmp_path / "dask.h5")
    np.testing.assert_array_equal(a["label"]["bond_breaking"], b["label"]["bond_breaking"])


def test_bad_presets_and_foreign_stores(configs, tmp_path):
    system, confs = configs
    with pytest.raises(ValueError, match="temperature must be positive"):
        _spec(temperature=-0.5)
    with pytest.raises(ValueError, match="steps must start at 0 and increase"):
        _spec(steps=[0, 10, 10])
    p = load_preset("quick")
    assert p["system"]["name"] == "ka2d"
    bad = tmp_path / "bad.toml"
    from glassdyn.workflows.simulate import preset_text

    bad.write_text(preset_text("quick").replace("temperature = 0.6", "temperature = -1.0"))
    with pytest.raises(ValueError, match="temperature = -1.0 must be positive"):
        load_preset(bad)
    bad.write_text(bad.read_text().replace("temperature = -1.0", "temperature = 0.6")
                   .replace('name = "ka2d"', 'name = "ka2d"\ncounts = [600, 330, 361]'))
    with pytest.raises(ValueError, match="counts .* do not match"):
        load_preset(bad)
    with pytest.raises(ValueError, match="unknown preset"):
        load_preset("nonexistent")
    # a store folder of another campaign is refused, never overwritten
    Campaign(_spec(n_replicas=1), confs[:1], tmp_path / "x.h5").run(progress=False)
    with pytest.raises(ValueError, match="different campaign"):
        Campaign(_spec(n_replicas=1, seed=8), confs[:1], tmp_path / "x.h5").run(progress=False)
    # wrong particle number, corrupt store
    from glassdyn.systems import Configuration

    with pytest.raises(ValueError, match="particles"):
        Campaign(_spec(), [Configuration(confs[0].positions[:10], confs[0].types[:10], confs[0].box)],
                 tmp_path / "y.h5")
    (tmp_path / "corrupt.h5").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt"):
        read_store(tmp_path / "corrupt.h5")
    # an existing store of another campaign or a corrupt file at the store path is never overwritten
    import shutil

    shutil.copy(tmp_path / "x.h5", tmp_path / "z.h5")
    with pytest.raises(ValueError, match="different campaign"):
        Campaign(_spec(n_replicas=1, seed=9), confs[:1], tmp_path / "z.h5").run(progress=False)
    with pytest.raises(ValueError, match="corrupt"):
        Campaign(_spec(n_replicas=1), confs[:1], tmp_path / "corrupt.h5").run(progress=False)
    assert (tmp_path / "corrupt.h5").read_bytes() == b"garbage"
