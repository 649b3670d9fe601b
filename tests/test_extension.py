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


class LocalDensity:
    """Test descriptor: number of neighbours within each radius, all species together."""

    kind = "local_density_test"

    def __init__(self, radii=(1.2, 1.6, 2.0)):
        self.radii = tuple(float(r) for r in radii)

    def compute(self, configuration, potential=None, per_particle_energy=None):
        x = configuration.positions
        d = np.linalg.norm(configuration.minimum_image(x[None, :, :] - x[:, None, :]), axis=-1)
        np.fill_diagonal(d, np.inf)
        self.features = np.stack([(d < r).sum(axis=1) for r in self.radii], axis=1).astype(float)
        self.names = [f"n(r<{r:g})" for r in self.radii]
        return self

    def definition(self):
        return dict(kind=self.kind, radii=list(self.radii))

    @classmethod
    def from_definition(cls, definition):
        return cls(definition["radii"])


def test_new_descriptor_trains_and_predicts(tmp_path):
    """A descriptor registered in DESCRIPTORS is used for training and found again, from the model
    folder's recorded definition, for prediction; a model refuses descriptors of another kind."""
    from glassdyn.structure import DESCRIPTORS
    from glassdyn.workflows import shipped_store
    from glassdyn.workflows.learning import predict_store, train_models

    if "local_density_test" not in DESCRIPTORS:
        DESCRIPTORS.register("local_density_test", LocalDensity)
    store = shipped_store("ka2d-T0.45")
    meta = train_models(store, tmp_path, times=[24], kinds=("ridge",), descriptor=LocalDensity())
    assert meta["definition"] == dict(kind="local_density_test", radii=[1.2, 1.6, 2.0])
    res = predict_store(tmp_path, store, configurations=meta["split"]["test"])
    pred = res["predictions"]["ridge"]
    assert pred.shape == (len(meta["split"]["test"]), 1, 1290)
    assert np.isfinite(pred[:, :, :600]).all() and np.isnan(pred[:, :, 600:]).all()  # species 0 only
    from glassdyn.learn import RidgeBaseline

    with pytest.raises(ValueError, match="descriptor definition differs"):
        RidgeBaseline.load(tmp_path / "ridge_t24.npz").predict(np.ones((5, 3)), definition=dict(kind="other"))


class SchematicF2:
    """Test MCT kernel: the F2 model at every wave number, M(k, t) = gamma v (F(k, t) / S(k))^2."""

    alpha, beta = 0.0, 1.0

    def __init__(self, k, S, v):
        self.k, self.S, self.v = np.asarray(k), np.asarray(S), float(v)
        self.gamma = self.k**2 / self.S

    @classmethod
    def from_structure(cls, k, S, rho, x=None, D=1.0):
        return cls(k, S, v=5.0)

    def __call__(self, F, t=None):
        return self.gamma * self.v * (F / self.S) ** 2

    def solve(self, t_max=1e10, **kw):
        from glassdyn.theory import solve_memory_equation

        return solve_memory_equation(self.S, self.gamma, self, alpha=self.alpha, beta=self.beta, t_max=t_max, **kw)


def test_new_mct_kernel_is_solved_by_the_api_and_the_cli(tmp_path, capsys):
    """A kernel registered in MCT_KERNELS runs through solve_mct and `glassdyn mct solve --kernel`; the
    F2 model at v = 5 is glassy with f = (5 + sqrt 5) / 10 (analytic)."""
    from glassdyn.cli import main
    from glassdyn.theory import MCT_KERNELS, midpoint_grid, py_structure_factor, solve_mct

    if "f2_test" not in MCT_KERNELS:
        MCT_KERNELS.register("f2_test", SchematicF2)
    k = midpoint_grid(20, 20.0)
    res = solve_mct(k, py_structure_factor(k, 0.3), 6 * 0.3 / np.pi, kernel="f2_test", t_max=1e4)
    f_exact = (5 + np.sqrt(5)) / 10
    np.testing.assert_allclose(res.f / res.S, f_exact, rtol=1e-6)
    np.testing.assert_allclose(res.F[-1] / res.S, f_exact, rtol=1e-3)
    assert main(["mct", "solve", "--phi", "0.3", "--nk", "20", "--kmax", "20", "--tmax", "1e4",
                 "--kernel", "f2_test", "--out", str(tmp_path)]) == 0
    assert f"f(k_p) = {f_exact:.5f}" in capsys.readouterr().out
    assert (tmp_path / "mct_solution.npz").exists()
