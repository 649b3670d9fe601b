"""The newcomer's walk: a new potential kind, descriptor and MCT kernel, each one class plus one
registration, work through every consumer (engine, swap kernel, numpy reference, provenance)."""
from dataclasses import dataclass

import numpy as np
import pytest

from glassdyn.systems import POTENTIAL_KINDS, PairPotential, SystemPreset, potential_from_dict


@dataclass(frozen=True, eq=False)
class SoftSpheres(PairPotential):
    """Test kind: V_ab = eps (sigma_ab / r)^12 - V(rc), rc = 1.5 sigma_ab (additive diameters)."""

    kind = "soft_spheres_test"

    name: str
    dimension: int
    species: tuple
    diameters: tuple
    epsilon: float = 1.0
    r_min: float = 0.5

    @property
    def sigma(self):
        d = np.asarray(self.diameters, dtype=float)
        return 0.5 * (d[:, None] + d[None, :])

    @property
    def cutoff(self):
        return 1.5 * self.sigma

    def pair_energy(self, r, a, b):
        r, s = np.asarray(r, float), self.sigma[a, b]
        return np.where(r < 1.5 * s, self.epsilon * ((s / r) ** 12 - 1.5**-12), 0.0)

    def pair_derivative(self, r, a, b, order=1):
        r, s = np.asarray(r, float), self.sigma[a, b]
        d = -12 * (s / r) ** 12 / r if order == 1 else 156 * (s / r) ** 12 / r**2
        return np.where(r < 1.5 * s, self.epsilon * d, 0.0)

    def power_series(self):
        e = np.full_like(self.sigma, self.epsilon)
        return np.array([-6, 0]), np.stack([e * self.sigma**12, -e * 1.5**-12])

    def parameters(self):
        return dict(name=self.name, dimension=self.dimension, species=list(self.species),
                    diameters=list(self.diameters), epsilon=self.epsilon, r_min=self.r_min)


@pytest.fixture
def soft_spheres():
    if "soft_spheres_test" not in POTENTIAL_KINDS:
        POTENTIAL_KINDS.register("soft_spheres_test", SoftSpheres)
    pot = SoftSpheres("ss2d", 2, ("S", "L"), (1.0, 1.4))
    return SystemPreset("ss2d", pot, (100, 100), (22.0, 22.0), 0.005, swap=True)


def test_new_potential_kind_round_trips(soft_spheres):
    pot = soft_spheres.potential
    again = potential_from_dict(pot.to_dict())
    assert isinstance(again, SoftSpheres) and again == pot
    assert SystemPreset.from_dict(soft_spheres.to_dict()).potential == pot
    with pytest.raises(ValueError, match="unknown potential kind 'soft_sphere_test'.*did you mean"):
        potential_from_dict(dict(pot.to_dict(), kind="soft_sphere_test"))


def test_new_potential_kind_in_lammps_and_swap(soft_spheres):
    """LAMMPS energies/forces and the swap kernel's dE agree with the kind's numpy reference."""
    from glassdyn.engines import LammpsSimulation, SwapMC

    conf = soft_spheres.lattice_configuration(seed=3, jitter=0.1)
    pot = soft_spheres.potential
    ref = pot.compute(conf)
    with LammpsSimulation(conf, pot, soft_spheres.dt) as sim:
        assert sim.potential_energy() == pytest.approx(ref.energy, rel=1e-8)
        np.testing.assert_allclose(sim.forces(), ref.forces, atol=1e-8 * np.abs(ref.forces).max())
    res = SwapMC(pot, 1.0).sweep(conf.positions, conf.types, conf.box, 50, 1, record=True)
    types, e0 = conf.types.copy(), ref.energy
    for k in range(res.attempts):
        trial = types.copy()
        trial[res.i[k]], trial[res.j[k]] = types[res.j[k]], types[res.i[k]]
        e1 = pot.compute(conf.copy(types=trial)).energy
        assert res.delta_energy[k] == pytest.approx(e1 - e0, abs=1e-9)
        if res.accepted_mask[k]:
            types, e0 = trial, e1


def test_potential_without_power_series_refuses_swap(soft_spheres):
    from glassdyn.engines import SwapMC

    class NoSeries(SoftSpheres):
        def power_series(self):
            return None

    pot = NoSeries("x", 2, ("S", "L"), (1.0, 1.4))
    with pytest.raises(ValueError, match="no power series"):
        SwapMC(pot, 1.0)
