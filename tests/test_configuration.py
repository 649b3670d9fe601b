"""Every bad input gets a clear error naming the problem (one test per case)."""
import numpy as np
import pytest

from glassdyn.systems import Configuration, get_system

BOX = [5.0, 5.0]
POS = [[1.0, 1.0], [2.0, 3.0]]


def test_valid_configuration():
    c = Configuration(POS, [0, 1], BOX)
    assert c.n_particles == 2 and c.dimension == 2 and c.volume == 25.0
    assert c.counts().tolist() == [1, 1]


def test_nan_positions():
    with pytest.raises(ValueError, match="NaN or inf"):
        Configuration([[1.0, np.nan], [2.0, 3.0]], [0, 1], BOX)


def test_inf_positions():
    with pytest.raises(ValueError, match="NaN or inf"):
        Configuration([[1.0, np.inf], [2.0, 3.0]], [0, 1], BOX)


def test_wrong_position_shape():
    with pytest.raises(ValueError, match=r"shape \(N, 2\) or \(N, 3\)"):
        Configuration([1.0, 2.0, 3.0], [0], BOX)


def test_box_dimension_mismatch():
    with pytest.raises(ValueError, match="box must have 2 lengths"):
        Configuration(POS, [0, 1], [5.0, 5.0, 5.0])


def test_nonpositive_box():
    with pytest.raises(ValueError, match="finite and positive"):
        Configuration(POS, [0, 1], [5.0, -1.0])


def test_types_shape():
    with pytest.raises(ValueError, match=r"types must have shape \(2,\)"):
        Configuration(POS, [0, 1, 1], BOX)


def test_negative_species():
    with pytest.raises(ValueError, match="unknown species"):
        Configuration(POS, [0, -1], BOX)


def test_unknown_species_with_n_species():
    with pytest.raises(ValueError, match="unknown species"):
        Configuration(POS, [0, 3], BOX, n_species=3)


def test_non_integer_species():
    with pytest.raises(ValueError, match="integer species"):
        Configuration(POS, [0.5, 1.0], BOX)


def test_outside_box_rejected_unless_wrapped():
    with pytest.raises(ValueError, match="outside the box"):
        Configuration([[6.0, 1.0], [2.0, 3.0]], [0, 1], BOX)
    c = Configuration([[6.0, -1.0], [2.0, 3.0]], [0, 1], BOX, wrap=True)
    np.testing.assert_allclose(c.positions[0], [1.0, 4.0])


def test_velocity_shape_and_nan():
    with pytest.raises(ValueError, match="velocities must have shape"):
        Configuration(POS, [0, 1], BOX, velocities=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="velocities contain NaN"):
        Configuration(POS, [0, 1], BOX, velocities=[[0.0, np.nan], [0.0, 0.0]])


def test_lattice_start_is_valid_for_every_preset():
    for name, kw in [("ka2d", {}), ("ka3d", {}), ("ka3d_lj", {"rho": 1.8}), ("ka3d_wca", {"rho": 1.2})]:
        s = get_system(name, **kw)
        c = s.lattice_configuration(seed=3)
        s.potential.check(c)
        assert c.counts(s.potential.n_species).tolist() == list(s.counts)


def test_tiled_system_keeps_density_and_composition():
    s = get_system("ka2d")
    big = s.tiled(8)
    assert big.n_particles == 82560 and big.density == pytest.approx(s.density)
    assert big.counts == (600 * 64, 330 * 64, 360 * 64)


def test_sorted_by_species_keeps_the_configuration():
    from glassdyn.systems import Configuration, get_potential

    rng = np.random.default_rng(0)
    x = np.stack(np.meshgrid(np.arange(6.0), np.arange(6.0)), -1).reshape(-1, 2) * 1.2
    types = rng.permutation(np.repeat([0, 1, 2], 12))
    c = Configuration(x, types, [7.2, 7.2])
    s = c.sorted_by_species()
    assert np.all(np.diff(s.types) >= 0) and np.array_equal(np.bincount(s.types), np.bincount(types))
    pot = get_potential("ka2d")
    assert pot.compute(s).energy == pytest.approx(pot.compute(c).energy, abs=1e-10)
