"""Inherent structures: converged to max|F| <= 1e-8, lower in energy, and a fixed point."""
import numpy as np
import pytest

from glassdyn.engines import LammpsSimulation
from glassdyn.workflows import inherent_structure


@pytest.mark.parametrize("method", ["fire", "cg"])
def test_quench_ka2d(liquid, method):
    system, conf = liquid("ka2d", 0.5, 2000)
    pot = system.potential
    thermal = conf.copy(velocities=None)
    e_thermal = pot.compute(thermal).energy
    inh = inherent_structure(thermal, pot, method=method)
    ref = pot.compute(inh.configuration)
    # residual force checked with the independent numpy reference
    assert np.sqrt((ref.forces**2).sum(axis=1)).max() <= 1e-8 * 1.05
    assert inh.max_force <= 1e-8
    assert inh.energy < e_thermal
    assert inh.energy == pytest.approx(ref.energy, rel=1e-10)
    np.testing.assert_allclose(inh.per_particle_energy, ref.per_particle, atol=1e-8)
    # quenching the inherent structure again does not move it
    again = inherent_structure(inh.configuration, pot, method=method)
    dr = inh.configuration.minimum_image(again.configuration.positions - inh.configuration.positions)
    assert np.abs(dr).max() < 1e-6
    assert again.energy == pytest.approx(inh.energy, abs=1e-9)


def test_quench_3d_lj(liquid):
    system, conf = liquid("ka3d_lj", 1.0, 300, rho=1.2)
    inh = inherent_structure(conf, system.potential)
    assert inh.converged and inh.energy < system.potential.compute(conf).energy


def test_reusing_a_simulation_gives_the_same_minimum(liquid):
    system, conf = liquid("ka2d", 0.5, 2000)
    pot = system.potential
    alone = inherent_structure(conf, pot)
    with LammpsSimulation(conf, pot, system.dt) as sim:
        sim.nvt(0.5)
        sim.draw_velocities(0.5, 3)
        sim.run(50)  # move away, then quench the original configuration with this instance
        reused = inherent_structure(conf, pot, simulation=sim)
    assert reused.energy == pytest.approx(alone.energy, abs=1e-9)


def test_bad_method():
    from glassdyn.systems import get_system

    system = get_system("ka2d")
    with pytest.raises(ValueError, match="unknown minimisation method"):
        inherent_structure(system.lattice_configuration(1), system.potential, method="newton")
