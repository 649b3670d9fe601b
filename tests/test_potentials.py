"""The potential is exactly the published one: constants, cutoff smoothness, forces = -grad E."""
import numpy as np
import pytest

from glassdyn.systems import Configuration, get_potential, get_system

PRESETS = ["ka2d", "ka3d", "ka3d_lj", "ka3d_wca"]


def _all_pairs(pot):
    m = pot.n_species
    return [(a, b) for a in range(m) for b in range(a, m)]


def test_ka2d_constants_match_seed():
    p = get_potential("ka2d")
    np.testing.assert_allclose(p.epsilon, [[1.0, 1.5, 0.75], [1.5, 0.5, 1.5], [0.75, 1.5, 0.75]])
    np.testing.assert_allclose(p.sigma, [[1.0, 0.8, 0.9], [0.8, 0.88, 0.8], [0.9, 0.8, 0.94]])
    np.testing.assert_allclose(p.cutoff, 2.5 * p.sigma)
    assert (p.c0, p.c2, p.c4) == (0.04049023795, -0.00970155098, 0.00062012616)
    s = get_system("ka2d")
    assert s.counts == (600, 330, 360) and s.box == (32.896, 32.896) and s.n_particles == 1290


def test_ka3d_presets_match_seeds():
    g = get_potential("ka3d")
    np.testing.assert_allclose(g.cutoff, 2.5)  # 2.5 sigma_11 for all pairs (Jung 2023 SM VI)
    assert not g.shift and g.c0 == 0
    assert get_system("ka3d").n_particles == 4096
    assert get_system("ka3d").density == pytest.approx(1.2)
    lj, wca = get_potential("ka3d_lj"), get_potential("ka3d_wca")
    np.testing.assert_allclose(lj.cutoff, 2.5 * lj.sigma)
    np.testing.assert_allclose(wca.cutoff, 2 ** (1 / 6) * wca.sigma)
    for rho in (1.2, 1.4, 1.6, 1.8):
        s = get_system("ka3d_lj", rho=rho)
        assert s.box == (10.0, 10.0, 10.0) and s.n_particles == round(1000 * rho)
        assert s.counts[0] == round(0.8 * s.n_particles)


@pytest.mark.parametrize("name", PRESETS)
def test_energy_at_cutoff(name):
    """Smoothed (KA2D) and shifted (LJ/WCA) potentials vanish at rc; KA3D (unshifted) jumps by V(rc)."""
    p = get_potential(name)
    for a, b in _all_pairs(p):
        rc = p.cutoff[a, b]
        inside = float(p.pair_energy(rc * (1 - 1e-12), a, b))
        assert float(p.pair_energy(rc, a, b)) == 0.0
        if name == "ka3d":
            s = p.sigma[a, b] / rc
            assert inside == pytest.approx(4 * p.epsilon[a, b] * (s**12 - s**6), rel=1e-9)
        else:
            assert abs(inside) < 1e-8  # KA2D: limited by the 11 digits of C0, C2, C4


def test_ka2d_first_and_second_derivatives_vanish_at_cutoff():
    p = get_potential("ka2d")
    for a, b in _all_pairs(p):
        rc = p.cutoff[a, b] * (1 - 1e-12)
        # limited by the 11 significant digits of the published C0, C2, C4
        assert abs(float(p.pair_derivative(rc, a, b, 1))) < 1e-8
        assert abs(float(p.pair_derivative(rc, a, b, 2))) < 1e-8
        # ... while a plain shifted LJ does not have that property
        assert abs(float(get_potential("ka3d_lj").pair_derivative(2.5 * (1 - 1e-12), 0, 0))) > 1e-3


@pytest.mark.parametrize("name", PRESETS)
def test_derivatives_match_finite_differences(name):
    p = get_potential(name)
    for a, b in _all_pairs(p):
        r = np.linspace(0.85 * p.sigma[a, b], 0.99 * p.cutoff[a, b], 50)
        h = 1e-6
        fd1 = (p.pair_energy(r + h, a, b) - p.pair_energy(r - h, a, b)) / (2 * h)
        fd2 = (p.pair_derivative(r + h, a, b) - p.pair_derivative(r - h, a, b)) / (2 * h)
        np.testing.assert_allclose(p.pair_derivative(r, a, b), fd1, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(p.pair_derivative(r, a, b, 2), fd2, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,kw", [("ka2d", {}), ("ka3d_lj", {"rho": 1.2})])
def test_forces_are_minus_gradient(liquid, name, kw):
    system, conf = liquid(name, 1.0, 300, **kw)
    pot = system.potential
    res = pot.compute(conf)
    h = 1e-6
    for k in (0, 17, conf.n_particles - 1):
        for d in range(conf.dimension):
            plus, minus = conf.positions.copy(), conf.positions.copy()
            plus[k, d] += h
            minus[k, d] -= h
            e_p = pot.compute(conf.copy(positions=plus, velocities=None)).energy
            e_m = pot.compute(conf.copy(positions=minus, velocities=None)).energy
            assert -(e_p - e_m) / (2 * h) == pytest.approx(res.forces[k, d], rel=1e-5, abs=1e-5)
    np.testing.assert_allclose(res.forces.sum(axis=0), 0.0, atol=1e-9)  # Newton's third law
    assert res.per_particle.sum() == pytest.approx(res.energy, rel=1e-14)


def test_reference_energy_of_two_particles():
    """Two particles at r: E = V(r) exactly, split half-half; across the periodic boundary too."""
    p = get_potential("ka2d")
    box = [10.0, 10.0]
    r = 0.95  # < 2^(1/6) sigma_13: repulsive
    conf = Configuration([[0.2, 5.0], [10.0 - (r - 0.2), 5.0]], [0, 2], box)
    res = p.compute(conf)
    assert res.energy == pytest.approx(float(p.pair_energy(r, 0, 2)), rel=1e-12)
    np.testing.assert_allclose(res.per_particle, res.energy / 2)
    # force on particle 0 points away from 1 (repulsive at r < 2^(1/6) sigma) across the boundary
    assert res.forces[0, 0] > 0 and res.forces[1, 0] < 0


def test_overlap_and_species_checks():
    p = get_potential("ka2d")
    conf = Configuration([[1.0, 1.0], [1.3, 1.0]], [0, 0], [10.0, 10.0])
    with pytest.raises(ValueError, match="overlapping particles 0 and 1"):
        p.check(conf)
    conf = Configuration([[1.0, 1.0], [3.0, 1.0]], [0, 5], [10.0, 10.0])
    with pytest.raises(ValueError, match="unknown species index 5"):
        p.check(conf)
    conf3 = Configuration([[1.0, 1.0, 1.0]], [0], [10.0, 10.0, 10.0])
    with pytest.raises(ValueError, match="is 2D but the configuration is 3D"):
        p.check(conf3)
    with pytest.raises(ValueError, match="unknown potential"):
        get_potential("ka4d")


def test_provenance_round_trip():
    for name in PRESETS:
        p = get_potential(name)
        q = type(p).from_dict(p.to_dict())
        assert q == p
        np.testing.assert_array_equal(q.energy_shift, p.energy_shift)
