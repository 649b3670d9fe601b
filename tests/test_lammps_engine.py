"""LAMMPS engine against the numpy reference and against statistical mechanics."""
import numpy as np
import pytest

from glassdyn.engines import LammpsError, LammpsSimulation, kinetic_temperature, maxwell_velocities
from glassdyn.systems import Configuration, get_system

CASES = [("ka2d", {}), ("ka3d", {}), ("ka3d_lj", {"rho": 1.2}), ("ka3d_wca", {"rho": 1.4})]


def _compare(system, conf):
    ref = system.potential.compute(conf)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        e, f, pe = sim.potential_energy(), sim.forces(), sim.per_particle_energy()
    assert abs(e - ref.energy) <= 1e-8 * abs(ref.energy)
    assert np.linalg.norm(f - ref.forces) <= 1e-8 * np.linalg.norm(ref.forces)
    np.testing.assert_allclose(pe, ref.per_particle, rtol=0, atol=1e-8 * np.abs(ref.per_particle).max())


@pytest.mark.parametrize("name,kw", CASES)
def test_random_configuration_matches_numpy(name, kw):
    system = get_system(name, **kw)
    _compare(system, system.lattice_configuration(seed=11, jitter=0.2))


@pytest.mark.parametrize("name,kw", CASES)
def test_liquid_configuration_matches_numpy(liquid, name, kw):
    system, conf = liquid(name, 1.0, 300, **kw)
    _compare(system, conf.copy(velocities=None))


def test_maxwell_velocities():
    v = maxwell_velocities(1290, 2, 0.45, 3)
    np.testing.assert_allclose(v.sum(axis=0), 0.0, atol=1e-10)
    assert kinetic_temperature(v) == pytest.approx(0.45, rel=1e-12)
    # Gaussian shape: kurtosis of one component ~ 3
    x = maxwell_velocities(200000, 3, 1.0, 4, exact=False)[:, 0]
    assert np.mean(x**4) / np.mean(x**2) ** 2 == pytest.approx(3.0, abs=0.05)
    with pytest.raises(ValueError, match="temperature must be positive"):
        maxwell_velocities(10, 2, -1.0, 0)


def test_velocities_reach_lammps_unchanged(liquid):
    system, conf = liquid("ka2d", 1.0, 300)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        v = sim.draw_velocities(0.6, 42)
        np.testing.assert_array_equal(sim.velocities, v)
        assert sim.temperature == pytest.approx(0.6, rel=1e-12)
        # LAMMPS's own thermo temperature uses the same d(N-1) degrees of freedom
        sim.command("run 0 post no")
        assert float(sim.lmp.extract_compute("thermo_temp", 0, 0)) == pytest.approx(0.6, rel=1e-10)


def test_nve_energy_conservation(liquid):
    """KA2D at T = 0.5, dt = 0.01, 1e4 steps: drift < 1e-4 per particle, fluctuations < 1e-3."""
    system, conf = liquid("ka2d", 0.5, 2000)
    n = conf.n_particles
    with LammpsSimulation(conf, system.potential, 0.01) as sim:
        sim.nve()
        energies = []
        for _ in range(100):
            sim.run(100)
            energies.append(sim.potential_energy() + 0.5 * np.sum(sim.velocities**2))
    e = np.asarray(energies) / n
    t = np.arange(e.size) * 100 * 0.01
    slope = np.polyfit(t, e, 1)[0]
    assert abs(slope * t[-1]) < 1e-4
    assert e.std() < 1e-3


def test_nvt_mean_temperature(liquid):
    """Nose-Hoover: the mean kinetic temperature over 2e4 steps is within 1% of the target."""
    system, conf = liquid("ka2d", 0.5, 500)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.draw_velocities(0.8, 1)  # start away from the target
        sim.nvt(0.5)
        sim.run(2000)
        temps = []
        for _ in range(200):
            sim.run(100)
            temps.append(sim.temperature)
    assert np.mean(temps) == pytest.approx(0.5, rel=0.01)


def test_trajectory_snapshots_are_unwrapped(liquid):
    system, conf = liquid("ka2d", 1.0, 300)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.draw_velocities(2.0, 5)
        sim.nvt(2.0)
        snaps = list(sim.trajectory([0, 10, 100, 1000, 3000]))
        assert [s for s, _ in snaps] == [0, 10, 100, 1000, 3000]
        x0 = snaps[0][1]
        for (_, a), (_, b) in zip(snaps, snaps[1:]):
            # between snapshots nobody jumps by a box length: unwrapped, continuous
            assert np.abs(b - a).max() < 0.5 * system.box[0]
        np.testing.assert_allclose(np.mod(snaps[-1][1], system.box), sim.positions, atol=1e-9)
        assert np.abs(snaps[-1][1] - x0).max() > 1.0  # particles moved at T = 2
        with pytest.raises(ValueError, match="strictly increasing"):
            list(sim.trajectory([0, 5, 5]))


def test_lammps_errors_are_surfaced(liquid):
    system, conf = liquid("ka2d", 1.0, 300)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        with pytest.raises(LammpsError, match="Unrecognized pair style 'nonsense'"):
            sim.command("pair_style nonsense")
        with pytest.raises(RuntimeError, match="choose an integrator"):
            sim.run(10)
        with pytest.raises(ValueError, match="temperature must be positive"):
            sim.nvt(-1.0)


def test_simulation_rejects_overlaps_before_lammps():
    system = get_system("ka2d")
    conf = Configuration([[1.0, 1.0], [1.2, 1.0], [5.0, 5.0]], [0, 1, 2], system.box)
    with pytest.raises(ValueError, match="overlapping particles"):
        LammpsSimulation(conf, system.potential)


def test_missing_lammps_gives_clear_error(monkeypatch):
    import builtins

    from glassdyn.engines import lammps as eng

    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name == "lammps":
            raise ImportError("No module named 'lammps'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(eng, "_LAMMPS", None)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(eng.LammpsUnavailableError, match=r"pip install 'lammps\[mpi\]'"):
        eng.load_lammps()
