"""GlassMLP descriptors: radical Voronoi geometry, coarse-graining, the reference definition
(brute force and the reference program's own output), invariances, truncation."""
import csv

import numpy as np
import pytest
from conftest import SHARED

from glassdyn.structure.coarse_grain import coarse_grain, truncation_error
from glassdyn.structure.descriptors import GlassMLPDescriptors
from glassdyn.structure.voronoi import species_radii, voronoi_measure
from glassdyn.systems import Configuration, get_system

REFERENCE = SHARED / "external" / "structdynglass_ka2d"


def _stripes(dimension, a=1.2, b=1.0, n=6, radii=(0.5, 0.35)):
    """Rectangular lattice, spacing a along x, b otherwise; species alternate along x."""
    axes = [(np.arange(2 * n) + 0.5) * a] + [(np.arange(n) + 0.5) * b] * (dimension - 1)
    P = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, dimension)
    types = (np.rint(P[:, 0] / a - 0.5).astype(int) % 2)
    box = [2 * n * a] + [n * b] * (dimension - 1)
    return Configuration(P, types, box), np.array(radii)


@pytest.mark.parametrize("dimension", [2, 3])
def test_radical_voronoi_of_striped_lattices(dimension):
    """Power bisector between sites at distance a: x = (a^2 + r_i^2 - r_j^2) / 2a, so a cell of
    species i is a box of width a + (r_i^2 - r_j^2) / a along x and b across."""
    conf, radii = _stripes(dimension)
    a, b = 1.2, 1.0
    widths = a + np.array([1, -1]) * (radii[0] ** 2 - radii[1] ** 2) / a
    expected = 2 * (widths + b) if dimension == 2 else 2 * (2 * widths * b + b * b)
    np.testing.assert_allclose(voronoi_measure(conf, radii), expected[conf.types], rtol=1e-10)
    expected_plain = 2 * (a + b) if dimension == 2 else 2 * (2 * a * b + b * b)  # equal radii
    np.testing.assert_allclose(voronoi_measure(conf), expected_plain, rtol=1e-10)


def test_radii_are_half_the_like_diameters():
    np.testing.assert_allclose(species_radii(get_system("ka2d").potential), [0.5, 0.44, 0.47])
    np.testing.assert_allclose(species_radii(get_system("ka3d").potential), [0.5, 0.44])
    conf, _ = _stripes(2)
    with pytest.raises(ValueError, match="radii must be positive, one per species"):
        voronoi_measure(conf, [0.5])


def test_coarse_grain_definition_brute_force(liquid):
    """Raw sums against a direct minimum-image sum, also with a cut-off beyond half the box."""
    system, conf = liquid("ka2d", 0.5, 500)
    rng = np.random.default_rng(1)
    vals = rng.normal(size=(conf.n_particles, 2))
    for cutoff in (6.0, 20.0):
        cg = coarse_grain(conf.positions, conf.box, conf.types, vals, [0.0, 1.5, 3.0], n_species=3,
                          cutoff=cutoff)
        np.testing.assert_allclose(cg[:, 0, 3], vals)  # L = 0: the particle itself
        np.testing.assert_allclose(cg[np.arange(conf.n_particles), 0, conf.types], vals)
        for i in (0, 100, 1289):
            r = np.linalg.norm(conf.minimum_image(conf.positions - conf.positions[i]), axis=1)
            for li, L in ((1, 1.5), (2, 3.0)):
                w = np.exp(-r / L) * (r < cutoff)
                np.testing.assert_allclose(cg[i, li, 3], w @ vals, rtol=1e-12)
                for b in range(3):
                    np.testing.assert_allclose(cg[i, li, b], (w * (conf.types == b)) @ vals, rtol=1e-12)


def test_truncation_error_is_bounded(liquid):
    """The weight lost beyond r = a L is at most a few times the uniform-density bound Gamma(d, a)."""
    system, conf = liquid("ka2d", 0.5, 500)
    ones = np.ones((conf.n_particles, 1))
    full = coarse_grain(conf.positions, conf.box, conf.types, ones, [1.0], n_species=3, cutoff=16.0)
    for a in (3.0, 5.0):
        short = coarse_grain(conf.positions, conf.box, conf.types, ones, [1.0], n_species=3, cutoff=a)
        rel = (full - short)[:, 0, 3, 0] / full[:, 0, 3, 0]
        assert rel.max() <= 2 * truncation_error(a, 2)
        assert rel.mean() > 0.2 * truncation_error(a, 2)  # and the bound is not vacuous
    assert truncation_error(10.0, 2) == pytest.approx(11 * np.exp(-10))


def _brute_force_descriptors(conf, e, p, lengths, cutoff, m):
    """The reference definition written out directly: normalised averages, local variance."""
    n = conf.n_particles
    cols = {}
    for i in range(n):
        r = np.linalg.norm(conf.minimum_image(conf.positions - conf.positions[i]), axis=1)
        for c, sel in [(f"species={a}", conf.types == a) for a in range(m)] + [("all", np.ones(n, bool))]:
            for L in lengths:
                w = (np.arange(n) == i).astype(float) if L == 0 else np.exp(-r / L) * (r < cutoff)
                w = w * sel
                W = w.sum()
                me = w @ e / W if W > 0 else 0.0
                cols.setdefault(f"density|{c}|L={L:g}", []).append(W)
                cols.setdefault(f"E_pot|{c}|L={L:g}", []).append(me)
                cols.setdefault(f"perimeter|{c}|L={L:g}", []).append(w @ p / W if W > 0 else 0.0)
                cols.setdefault(f"E_var|{c}|L={L:g}", []).append(w @ (e - me) ** 2 / W if W > 0 else 0.0)
    return {k: np.array(v) for k, v in cols.items()}


def test_descriptors_equal_the_definition_written_out(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    sub = np.flatnonzero(conf.positions[:, 0] < 20)[:300]
    small = Configuration(conf.positions[sub], conf.types[sub], conf.box)
    lengths = [0.0, 0.5, 2.0, 7.5]
    d = GlassMLPDescriptors(lengths=lengths).compute(small, system.potential)
    e = system.potential.compute(small).per_particle
    p = voronoi_measure(small, species_radii(system.potential))
    ref = _brute_force_descriptors(small, e, p, lengths, 20.0, 3)
    assert set(ref) == set(d.names)
    for k, v in ref.items():
        np.testing.assert_allclose(d.features[:, d.names.index(k)], v, rtol=1e-10, atol=1e-12, err_msg=k)


def _reference_columns():
    """{(field, channel, L): (ids, values)} from the reference program's ml_struct_type*.csv."""
    fields = {"DEN": "density", "EPOT": "E_pot", "PERI": "perimeter", "EPOT_VAR2": "E_var"}
    out = {}
    for ty in range(3):
        with open(REFERENCE / "reference_structure0" / f"ml_struct_type{ty}.csv") as fh:
            rows = list(csv.reader(fh))
        head = [h.replace("VAR2CGP", "VAR2_CGP") for h in rows[0]]
        data = np.array([[float(x) for x in r if x != ""] for r in rows[2:]])
        ids = data[:, head.index("ID")].astype(int)
        for k, name in enumerate(head):
            if "_CGP_" not in name:
                continue
            q, rest = name.split("_CGP_")
            chan, c = (f"species={rest[4]}", rest[5:]) if rest.startswith("TYPE") else ("all", rest[3:])
            key = f"{fields[q]}|{chan}|L={0.5 * int(c):g}"
            prev = out.get(key, (np.empty(0, int), np.empty(0)))
            out[key] = (np.r_[prev[0], ids], np.r_[prev[1], data[:, k]])
    return out


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/external not present")
def test_reference_program_descriptors_structure0():
    """All 256 columns of StructDynGlass for structure 0 at L > 0, and its e_i and radical p_i, to
    1e-5 relative (the reference prints 6 significant digits)."""
    from glassdyn.io import read_trajectory

    conf = read_trajectory(REFERENCE / "Cnf-100000" / "1_inherent.xyz").frame(0)
    potential = get_system("ka2d").potential
    base = np.loadtxt(REFERENCE / "reference_structure0" / "ml_base.dat")
    np.testing.assert_allclose(potential.compute(conf).per_particle, base[:, 1], rtol=1e-5)
    np.testing.assert_allclose(voronoi_measure(conf, species_radii(potential)), base[:, 2], rtol=1e-5)
    d = GlassMLPDescriptors().compute(conf, potential)
    ref = _reference_columns()
    assert len(ref) == 256 and set(ref) == set(d.names)
    checked = 0
    for key, (ids, values) in ref.items():
        if key.endswith("|L=0"):
            continue
        np.testing.assert_allclose(d.features[ids, d.names.index(key)], values, rtol=1e-5, atol=1e-30,
                                   err_msg=key)
        checked += 1
    assert checked == 240
    # L = 0, our convention: density 1 and the own value in the own channel and in "all", else 0
    i = ids[0]
    own = f"species={conf.types[i]}"
    assert d.features[i, d.names.index(f"density|{own}|L=0")] == 1.0
    assert d.features[i, d.names.index("E_pot|all|L=0")] == pytest.approx(base[i, 1], rel=1e-5)
    assert d.features[i, d.names.index("E_var|all|L=0")] == 0.0


def test_descriptor_set_and_invariances(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    d = GlassMLPDescriptors().compute(conf, system.potential)
    assert d.features.shape == (1290, 256) and len(d.names) == 256
    assert d.names[0] == "density|species=0|L=0" and d.names[-1] == "E_var|all|L=7.5"
    e = system.potential.compute(conf).per_particle
    np.testing.assert_allclose(d.features[:, d.names.index("E_pot|all|L=0")], e)
    # translation (periodic) and relabelling leave every particle's descriptors unchanged
    shifted = Configuration(conf.positions + np.array([3.7, -11.2]), conf.types, conf.box, wrap=True)
    d2 = GlassMLPDescriptors().compute(shifted, system.potential)
    np.testing.assert_allclose(d2.features, d.features, rtol=1e-8, atol=1e-10)
    perm = np.random.default_rng(0).permutation(conf.n_particles)
    d3 = GlassMLPDescriptors().compute(Configuration(conf.positions[perm], conf.types[perm], conf.box),
                                       system.potential)
    np.testing.assert_allclose(d3.features, d.features[perm], rtol=1e-8, atol=1e-10)
    assert d.definition()["kind"] == "glassmlp-jung2023" and d.definition()["cutoff"] == 20.0


def test_descriptors_without_potential_and_3d(liquid):
    system, conf = liquid("ka3d_lj", 1.0, 300, rho=1.2)
    d = GlassMLPDescriptors(lengths=[0.0, 1.0, 2.0]).compute(conf)
    assert d.features.shape == (conf.n_particles, 2 * 3 * 3)
    assert d.names[0].startswith("density") and d.names[-1].startswith("surface")
    assert d.definition()["radii"] is None  # plain Voronoi without a potential
    with pytest.raises(ValueError, match="per_particle_energy must have shape"):
        GlassMLPDescriptors().compute(conf, per_particle_energy=np.ones(3))


def test_tiled_system_has_the_small_system_descriptors(liquid):
    """Periodic tiling with a cut-off of half the small box reproduces the small-box descriptors."""
    system, conf = liquid("ka2d", 0.5, 500)
    small = GlassMLPDescriptors(lengths=[0.0, 2.0, 7.5], cutoff=conf.box[0] / 2).compute(conf, system.potential)
    pos = np.concatenate([conf.positions + np.array([i, j]) * conf.box for i in range(2) for j in range(2)])
    big = Configuration(pos, np.tile(conf.types, 4), 2 * conf.box)
    tiled = GlassMLPDescriptors(lengths=[0.0, 2.0, 7.5], cutoff=conf.box[0] / 2).compute(big, system.potential)
    np.testing.assert_allclose(tiled.features[:1290], small.features, rtol=1e-8, atol=1e-10)
