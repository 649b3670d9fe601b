"""GlassMLP descriptors: Voronoi geometry, coarse-graining limits, invariances, truncation bound."""
import numpy as np
import pytest

from glassdyn.structure.coarse_grain import coarse_grain, truncation_error
from glassdyn.structure.descriptors import GlassMLPDescriptors, voronoi_measure
from glassdyn.systems import Configuration


def _square_lattice(n=10, a=1.3):
    g = (np.arange(n) + 0.5) * a
    X, Y = np.meshgrid(g, g)
    return Configuration(np.c_[X.ravel(), Y.ravel()], np.zeros(n * n, int), [n * a, n * a])


def test_voronoi_of_lattices():
    sq = _square_lattice(a=1.3)
    np.testing.assert_allclose(voronoi_measure(sq), 4 * 1.3, rtol=1e-5)
    g = (np.arange(4) + 0.5) * 1.1
    P = np.stack(np.meshgrid(g, g, g), -1).reshape(-1, 3)
    cube = Configuration(P, np.zeros(64, int), [4.4] * 3)
    np.testing.assert_allclose(voronoi_measure(cube), 6 * 1.1**2, rtol=1e-5)


def test_voronoi_areas_tile_the_box(liquid):
    import freud

    for name, kw in (("ka2d", {}), ("ka3d_lj", {"rho": 1.2})):
        system, conf = liquid(name, 1.0, 300, **kw)
        vor = freud.locality.Voronoi()
        vor.compute((conf.freud_box(), conf.freud_points()))
        assert vor.volumes.sum() == pytest.approx(conf.volume, rel=1e-5)


def test_coarse_grain_definition_brute_force(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    rng = np.random.default_rng(1)
    vals = rng.normal(size=(conf.n_particles, 2))
    cg = coarse_grain(conf.positions, conf.box, conf.types, vals, [0.0, 1.5], n_species=3,
                      cutoff_factor=4.0)
    # L = 0: the raw value, in the particle's own species channel and in "all"
    np.testing.assert_allclose(cg[:, 0, 3], vals)
    np.testing.assert_allclose(cg[np.arange(conf.n_particles), 0, conf.types], vals)
    for i in (0, 100, 1289):
        r = np.linalg.norm(conf.minimum_image(conf.positions - conf.positions[i]), axis=1)
        w = np.exp(-r / 1.5) * (r < 6.0)
        np.testing.assert_allclose(cg[i, 1, 3], w @ vals, rtol=1e-12)
        for b in range(3):
            np.testing.assert_allclose(cg[i, 1, b], (w * (conf.types == b)) @ vals, rtol=1e-12)


def test_truncation_error_is_bounded(liquid):
    """The weight lost beyond a L is at most a few times the uniform-density bound Gamma(d, a)."""
    system, conf = liquid("ka2d", 0.5, 500)
    ones = np.ones((conf.n_particles, 1))
    for a in (3.0, 5.0):
        short = coarse_grain(conf.positions, conf.box, conf.types, ones, [1.0], n_species=3, cutoff_factor=a)
        full = coarse_grain(conf.positions, conf.box, conf.types, ones, [1.0], n_species=3, cutoff_factor=16.0)
        rel = (full - short)[:, 0, 3, 0] / full[:, 0, 3, 0]
        assert rel.max() <= 2 * truncation_error(a, 2)
        assert rel.mean() > 0.2 * truncation_error(a, 2)  # and the bound is not vacuous
    assert truncation_error(10.0, 2) == pytest.approx(11 * np.exp(-10))


def test_descriptor_set_and_invariances(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    d = GlassMLPDescriptors().compute(conf, system.potential)
    assert d.features.shape == (1290, 256) and len(d.names) == 256
    assert d.names[0] == "E_pot|L=0|species=0" and d.names[-1] == "E_var|L=7.5|all"
    e = system.potential.compute(conf).per_particle
    np.testing.assert_allclose(d.features[:, d.names.index("E_pot|L=0|all")], e)
    # translation (periodic) and relabelling leave every particle's descriptors unchanged
    shifted = Configuration(conf.positions + np.array([3.7, -11.2]), conf.types, conf.box, wrap=True)
    d2 = GlassMLPDescriptors().compute(shifted, system.potential)
    # (freud computes Voronoi cells in single precision: ~1e-7 relative)
    np.testing.assert_allclose(d2.features, d.features, rtol=1e-5, atol=1e-6)
    perm = np.random.default_rng(0).permutation(conf.n_particles)
    d3 = GlassMLPDescriptors().compute(Configuration(conf.positions[perm], conf.types[perm], conf.box),
                                       system.potential)
    np.testing.assert_allclose(d3.features, d.features[perm], rtol=1e-5, atol=1e-6)


def test_descriptors_without_potential_and_3d(liquid):
    system, conf = liquid("ka3d_lj", 1.0, 300, rho=1.2)
    d = GlassMLPDescriptors(lengths=[0.0, 1.0, 2.0]).compute(conf)
    assert d.features.shape == (conf.n_particles, 2 * 3 * 3)
    assert d.names[0].startswith("voronoi_surface")
    with pytest.raises(ValueError, match="per_particle_energy must have shape"):
        GlassMLPDescriptors().compute(conf, per_particle_energy=np.ones(3))


def test_tiled_system_has_the_small_system_descriptors(liquid):
    """Periodic tiling with r_max = half the small box reproduces the small-box descriptors."""
    system, conf = liquid("ka2d", 0.5, 500)
    small = GlassMLPDescriptors(lengths=[0.0, 2.0, 7.5]).compute(conf, system.potential)
    pos = np.concatenate([conf.positions + np.array([i, j]) * conf.box for i in range(2) for j in range(2)])
    big = Configuration(pos, np.tile(conf.types, 4), 2 * conf.box)
    tiled = GlassMLPDescriptors(lengths=[0.0, 2.0, 7.5], r_max=conf.box[0] / 2).compute(big, system.potential)
    np.testing.assert_allclose(tiled.features[:1290], small.features, rtol=1e-6, atol=1e-8)
