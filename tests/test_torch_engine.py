"""The batched PyTorch replica engine against the numpy reference, finite differences and LAMMPS
(same trajectories from the same state, same ensemble), and its campaigns (resume after kill -9)."""
import json

import numpy as np
import pytest
from conftest import TINY_PRESET, kill_and_resume

from glassdyn.engines import LammpsSimulation, get_engine, maxwell_velocities
from glassdyn.engines.torch_md import TorchMD
from glassdyn.systems import SystemPreset
from glassdyn.workflows import Campaign, CampaignSpec, read_store, run_replicas

STEPS = [0, 5, 20, 60, 150]


@pytest.mark.parametrize("name", ["ka2d", "ka3d", "ka3d_wca"])
def test_forces_and_energies_equal_the_numpy_reference(liquid, name):
    system, conf = liquid(name, 1.0, 300)
    other = liquid(name, 1.5, 400)[1]
    md = TorchMD(np.stack([conf.positions, other.positions]), conf.types, conf.box, system.potential,
                 system.dt)
    for b, c in enumerate((conf, other)):
        ref = system.potential.compute(c)
        np.testing.assert_allclose(md.numpy("forces")[b], ref.forces, rtol=0, atol=1e-10 * np.abs(ref.forces).max())
        np.testing.assert_allclose(md.per_particle_energy()[b], ref.per_particle, rtol=1e-12, atol=1e-12)


def test_forces_are_minus_the_energy_gradient(liquid):
    system, conf = liquid("ka2d", 1.0, 300)
    md = TorchMD(conf.positions, conf.types, conf.box, system.potential, system.dt)
    f = md.numpy("forces")[0]
    h = 1e-6
    for i, a in [(0, 0), (17, 1), (640, 0), (1289, 1)]:
        e = []
        for sign in (1, -1):
            x = conf.positions.copy()
            x[i, a] += sign * h
            e.append(TorchMD(x, conf.types, conf.box, system.potential, system.dt).potential_energy()[0])
        assert abs(-(e[0] - e[1]) / (2 * h) - f[i, a]) < 1e-6 * max(1.0, abs(f[i, a]))


def test_cell_list_equals_all_pairs(liquid):
    """The Verlet list from the cell list holds exactly the pairs within cutoff + skin (freud)."""
    system, conf = liquid("ka3d", 1.0, 300)
    md = TorchMD(conf.positions, conf.types, conf.box, system.potential, system.dt)
    i, j, _ = system.potential.pairs(conf, r_max=md.r_list)
    counts = (md.pair_type[0] != md._null).sum(-1).cpu().numpy()
    np.testing.assert_array_equal(counts, np.bincount(i, minlength=conf.n_particles))
    hot = TorchMD(np.stack([conf.positions] * 3), conf.types, conf.box, system.potential, system.dt)
    hot.set_velocities(np.stack([maxwell_velocities(conf.n_particles, 3, 2.0, s) for s in range(3)]))
    hot.run(60)  # copies rebuild at different steps; the list width follows the current lists
    assert hot.builds > 3
    assert hot.neighbors.shape[2] == int((hot.pair_type != hot._null).sum(-1).max())
    ref = system.potential.compute(conf.copy(positions=hot.numpy("x")[1], wrap=True))
    np.testing.assert_allclose(hot.numpy("forces")[1], ref.forces, atol=1e-9 * np.abs(ref.forces).max())
    small = SystemPreset("ka3d_small", system.potential, (207, 52), (6.0, 6.0, 6.0), system.dt)
    c = small.lattice_configuration(1)  # a box under 3 cells: the all-pairs path
    md = TorchMD(c.positions, c.types, c.box, small.potential, small.dt)
    assert md.neighbors.shape[2] > 50
    ref = small.potential.compute(c)
    np.testing.assert_allclose(md.numpy("forces")[0], ref.forces, atol=1e-9 * np.abs(ref.forces).max())


@pytest.mark.parametrize("ensemble", ["nve", "nvt"])
def test_trajectory_equals_lammps(liquid, ensemble):
    """From one state, torch and LAMMPS (fix nve / fix nvt: same Nose-Hoover chain) follow the same
    trajectory to round-off for a few hundred steps, then chaos separates them."""
    system, conf = liquid("ka2d", 0.6, 2000)
    v0 = maxwell_velocities(conf.n_particles, 2, 0.6, 11)
    args = (0.6,) if ensemble == "nvt" else ()
    md = TorchMD(conf.positions, conf.types, conf.box, system.potential, system.dt)
    md.set_velocities(v0)
    getattr(md, ensemble)(*args)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.velocities = v0
        getattr(sim, ensemble)(*args)
        sim.run(300)
        md.run(300)
        close = np.abs(sim.unwrapped_positions - md.numpy("x")[0]).max()
        sim.run(2700)
        md.run(2700)
        apart = np.abs(sim.unwrapped_positions - md.numpy("x")[0]).max()
    # the physics: a liquid is chaotic, so round-off differences of two correct integrators grow
    # exponentially (Lyapunov instability) -- agreement to 1e-8 after 300 steps is the test; the
    # divergence by 3000 steps shows it was between moving, chaotic trajectories (a frozen or
    # non-interacting system would stay together forever and make the first check empty)
    assert close < 1e-8 and apart > 1e-3


def _nve_energy_excursions(system, conf, windows: int, steps: int):
    """max |E(t) - E(0)| / N over ``windows`` samples ``steps`` apart, for torch and for LAMMPS."""
    md = TorchMD(conf.positions, conf.types, conf.box, system.potential, system.dt)
    md.set_velocities(conf.velocities)
    md.nve()
    torch_e, lammps_e = [], []
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.nve()
        for _ in range(windows):
            lammps_e.append(sim.potential_energy() + 0.5 * float((sim.velocities**2).sum()))
            torch_e.append(md.potential_energy()[0] + 0.5 * float((md.v**2).sum()))
            sim.run(steps)
            md.run(steps, energies=True)
    return [np.abs(np.array(e) - e[0]).max() / conf.n_particles for e in (torch_e, lammps_e)]


def test_nve_energy_is_conserved_as_in_lammps(liquid):
    """Velocity Verlet at dt = 0.01 (KA2D) fluctuates by ~4e-4 per particle in both engines."""
    system, conf = liquid("ka2d", 0.6, 2000)
    torch_dev, lammps_dev = _nve_energy_excursions(system, conf, 20, 200)
    assert torch_dev < 2 * lammps_dev + 1e-5 and torch_dev < 2e-3


@pytest.mark.slow
def test_nve_energy_over_1e5_steps(liquid):
    system, conf = liquid("ka2d", 0.6, 2000)
    torch_dev, lammps_dev = _nve_energy_excursions(system, conf, 100, 1000)
    assert torch_dev < 2 * lammps_dev + 1e-5 and torch_dev < 2e-3


def test_engine_replicas_equal_lammps_replicas(liquid):
    """Same seeds -> same Maxwell velocities -> same labels at early times on both engines."""
    system, conf = liquid("ka2d", 1.0, 500)
    a = run_replicas(conf, system.potential, 1.0, STEPS, [0, 1, 2], 7, 0, dt=system.dt)
    b = run_replicas(conf, system.potential, 1.0, STEPS, [0, 1, 2], 7, 0, dt=system.dt, engine="torch")
    assert a["seeds"] == b["seeds"]
    for k in ("bond_breaking", "displacement", "displacement_sq"):
        np.testing.assert_allclose(b[k][:4], a[k][:4], atol=1e-8)
    np.testing.assert_array_equal(b["bond_breaking"][0], 3.0)


def test_engine_options_are_checked(liquid):
    with pytest.raises(ValueError, match="no CUDA device|unknown device"):
        get_engine("torch", device="cuda" if not __import__("torch").cuda.is_available() else "tpu")
    with pytest.raises(ValueError, match="lammps engine runs on device 'cpu' in 'float64'"):
        get_engine("lammps", precision="float32")
    with pytest.raises(ValueError, match="unknown engine 'troch'.*did you mean 'torch'"):
        get_engine("troch")
    with pytest.raises(ValueError, match="precision must be one of"):
        CampaignSpec(system="ka2d", temperature=1.0, n_replicas=2, steps=STEPS, engine="torch",
                     precision="float16")
    system, conf = liquid("ka2d", 1.0, 300)
    with pytest.raises(ValueError, match="non-finite|NaN"):
        x = conf.positions.copy()
        x[3, 0] = np.nan
        TorchMD(x, conf.types, conf.box, system.potential, system.dt)


def test_a_name_and_its_parameters_are_the_same_campaign():
    from glassdyn.systems import get_system
    from glassdyn.workflows.campaign import same_campaign

    by_name = CampaignSpec(system="ka2d", temperature=1.0, n_replicas=2, steps=STEPS)
    by_dict = CampaignSpec(system=get_system("ka2d").to_dict(), temperature=1.0, n_replicas=2, steps=STEPS)
    on_gpu = CampaignSpec(system="ka2d", temperature=1.0, n_replicas=2, steps=STEPS, engine="torch")
    assert same_campaign(by_name.to_json(), by_dict.to_json())
    assert not same_campaign(by_name.to_json(), on_gpu.to_json())  # another engine: another campaign
    legacy = {k: v for k, v in json.loads(by_name.to_json()).items() if k not in ("engine", "device", "precision")}
    assert same_campaign(json.dumps(legacy), by_dict.to_json())  # written before engines were recorded


def test_torch_campaign_resumes_after_kill(liquid, tmp_path):
    system, conf = liquid("ka2d", 1.0, 500)
    confs = [conf, liquid("ka2d", 1.2, 500)[1]]
    spec = CampaignSpec(system=system.to_dict(), temperature=1.0, n_replicas=4, steps=STEPS, seed=7,
                        replicas_per_unit=1, engine="torch")
    done_before, a, b = kill_and_resume(spec, confs, tmp_path, at_least=2, batch_copies=2)
    assert done_before < 8
    np.testing.assert_array_equal(a["label"]["bond_breaking"], b["label"]["bond_breaking"])
    np.testing.assert_array_equal(a["label"]["displacement"], b["label"]["displacement"])
    assert json.loads(a["attrs"]["campaign"])["engine"] == "torch"
    # the torch store agrees with a LAMMPS one at early times (same seeds, same start)
    Campaign(CampaignSpec(**{**json.loads(spec.to_json()), "engine": "lammps"}), confs,
             tmp_path / "lammps.h5").run(progress=False)
    c = read_store(tmp_path / "lammps.h5")
    np.testing.assert_allclose(a["label"]["displacement"][:, :3], c["label"]["displacement"][:, :3], atol=1e-8)


def test_simulate_cli_with_the_torch_engine(tmp_path):
    from conftest import cli_fails

    from glassdyn.cli import main

    preset = tmp_path / "tiny.toml"
    preset.write_text(TINY_PRESET)
    out = tmp_path / "s.h5"
    assert main(["simulate", "--preset", str(preset), "--out", str(out), "--engine", "torch",
                 "--device", "cpu", "--workers", "1", "--quiet"]) == 0
    data = read_store(out)
    spec = json.loads(data["attrs"]["campaign"])
    assert spec["engine"] == "torch" and spec["system"]["potential"]["kind"] == "lennard_jones"
    first = data["label"]["bond_breaking"][:, 0]  # NaN: particles without initial neighbours (rho = 0.6)
    assert np.nanmin(first) == np.nanmax(first) == 1.0 and np.isnan(first).mean() < 0.05
    assert data["label"]["replicas_done"].tolist() == [2, 2, 2]
    cli_fails(["simulate", "--preset", preset, "--out", out, "--engine", "lammps", "--workers", "1"],
              r"engine: 'torch' \(finished work\) -> 'lammps'", code=2)
    cli_fails(["simulate", "--preset", preset, "--out", tmp_path / "g.h5", "--engine", "torch",
               "--device", "tpu"], "unknown device 'tpu'", code=2)


def _ensemble(engine: str, system, conf, temperature, copies: int, steps: int, label_steps, seed: int):
    """Per-copy time averages of U/N and T over ``steps`` NVT steps, and per-copy tau_BB (type 0,
    C_B = 0.5) from the engine's own labels; copies start from ``conf`` with seeds (seed, 0, r)."""
    from glassdyn.dynamics import relaxation_time
    from glassdyn.engines import ReplicaJob
    from glassdyn.workflows import replica_seed

    seeds = [replica_seed(seed, 0, r) for r in range(copies)]
    velocities = [maxwell_velocities(conf.n_particles, conf.dimension, temperature, np.random.default_rng(s))
                  for s in seeds]
    u, t = np.zeros((copies, 0)), np.zeros((copies, 0))
    if engine == "torch":
        md = TorchMD(np.repeat(conf.positions[None], copies, 0), conf.types, conf.box, system.potential,
                     system.dt)
        md.set_velocities(np.stack(velocities))
        md.nvt(temperature)
        for _ in range(steps // 50):
            md.run(50, energies=True)
            u = np.column_stack([u, md.potential_energy() / conf.n_particles])
            t = np.column_stack([t, md.kinetic_temperature().numpy()])
    else:
        rows_u, rows_t = [], []
        for v in velocities:
            with LammpsSimulation(conf, system.potential, system.dt) as sim:
                sim.velocities = v
                sim.nvt(temperature)
                samples = []
                for _ in range(steps // 50):
                    sim.run(50)
                    samples.append((sim.potential_energy() / conf.n_particles, sim.temperature))
            rows_u.append([a for a, _ in samples])
            rows_t.append([b for _, b in samples])
        u, t = np.array(rows_u), np.array(rows_t)
    jobs = [ReplicaJob(conf, [r], [s]) for r, s in enumerate(seeds)]
    sums = get_engine(engine).propagate(jobs, system.potential, temperature, label_steps, system.dt)
    times = np.asarray(label_steps) * system.dt
    a = conf.types == 0
    tau = np.array([relaxation_time(times, np.nanmean(s["bond_breaking"][:, a], 1), 0.5) for s in sums])
    return u.mean(1), t.mean(1), tau


def _agree(a, b, sigmas: float = 4.0) -> bool:
    """Means of two independent samples agree within ``sigmas`` combined standard errors."""
    err = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return abs(a.mean() - b.mean()) < sigmas * err


def _small_ka2d(n: int = 256):
    from glassdyn.systems import get_system

    base = get_system("ka2d")
    counts = tuple(int(round(n * c / base.n_particles)) for c in base.counts)
    side = np.sqrt(sum(counts) / base.density)
    return SystemPreset(f"ka2d_n{sum(counts)}", base.potential, counts, (side, side), base.dt, swap=True)


@pytest.mark.parametrize("size", [
    pytest.param(dict(n=256, temperature=1.5, copies=10, steps=2000, t_max=40.0), id="ci"),
    pytest.param(dict(n=1290, temperature=1.0, copies=6, steps=4000, t_max=100.0), id="slow",
                 marks=pytest.mark.slow)])
def test_nvt_ensemble_agrees_with_lammps(size):
    """<U>/N, T and tau_BB of the torch engine agree with LAMMPS's within their error bars
    (independent seeds, same configuration, same protocol)."""
    system = _small_ka2d(size["n"])
    temperature = size["temperature"]
    with LammpsSimulation(system.lattice_configuration(5), system.potential, system.dt) as sim:
        sim.minimize(ftol=1e-3, method="cg")
        sim.draw_velocities(temperature, 5)
        sim.nvt(temperature)
        sim.run(5000)
        conf = sim.configuration(with_velocities=False)
    from glassdyn.workflows import log_steps

    steps = log_steps(size["t_max"], system.dt, 20)
    ut, tt, taut = _ensemble("torch", system, conf, temperature, size["copies"], size["steps"], steps, 1)
    ul, tl, taul = _ensemble("lammps", system, conf, temperature, size["copies"], size["steps"], steps, 2)
    assert _agree(ut, ul) and _agree(tt, tl), (ut.mean(), ul.mean(), tt.mean(), tl.mean())
    assert np.all(np.isfinite(taut)) and np.all(np.isfinite(taul))
    assert _agree(taut, taul), (taut.mean(), taul.mean())
    assert abs(tt.mean() - temperature) < 0.02 * temperature


def test_torch_units_on_a_dask_cluster_equal_local(liquid, tmp_path):
    """The third way to scale and the second combine: batches of torch units as Dask tasks."""
    from distributed import LocalCluster

    system, conf = liquid("ka2d", 1.0, 500)
    spec = CampaignSpec(system=system.to_dict(), temperature=1.0, n_replicas=2, steps=STEPS[:4], seed=7,
                        replicas_per_unit=1, engine="torch")
    Campaign(spec, [conf], tmp_path / "local.h5").run(progress=False, batch_copies=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        Campaign(spec, [conf], tmp_path / "dask.h5").run(scheduler=cl.scheduler_address, progress=False,
                                                         batch_copies=1)
    a, b = read_store(tmp_path / "local.h5"), read_store(tmp_path / "dask.h5")
    np.testing.assert_array_equal(a["label"]["displacement"], b["label"]["displacement"])
