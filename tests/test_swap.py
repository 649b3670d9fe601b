"""Swap Monte Carlo: local dE is exact, composition is conserved, statistics match LAMMPS."""
import numpy as np
import pytest

from glassdyn.engines import LammpsSimulation, SwapMC, run_swap_md
from glassdyn.engines.swap import neighbor_list


def test_neighbor_list_matches_freud(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    start, index, r2 = neighbor_list(conf.positions, conf.box, 2.35)
    i, j, rij = system.potential.pairs(conf, r_max=2.35)
    assert start[-1] == len(i)
    ours = set(zip(np.repeat(np.arange(conf.n_particles), np.diff(start)).tolist(), index.tolist()))
    assert ours == set(zip(i.tolist(), j.tolist()))


def test_neighbor_list_small_box_brute_force():
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 4.0, size=(30, 3))
    start, index, r2 = neighbor_list(pos, np.array([4.0, 4.0, 4.0]), 1.5)
    d = pos[:, None] - pos[None]
    d -= 4.0 * np.round(d / 4.0)
    dist2 = (d**2).sum(-1)
    np.fill_diagonal(dist2, np.inf)
    assert start[-1] == (dist2 < 1.5**2).sum()


@pytest.mark.parametrize("name,kw,T", [("ka2d", {}, 0.5), ("ka3d_lj", {"rho": 1.2}, 40.0)])
def test_local_delta_energy_is_exact(liquid, name, kw, T):
    """Replay every attempt: dE of the kernel equals the full numpy recomputation to 1e-10.

    (3D KA A-B swaps cost dE >~ 17 in the liquid; a Metropolis T = 40 makes some succeed so that the
    bookkeeping after accepted swaps is exercised too.)
    """
    system, conf = liquid(name, 1.0, 500, **kw)
    pot = system.potential
    res = SwapMC(pot, T).sweep(conf.positions, conf.types, conf.box, 400, 9, record=True)
    types = conf.types.copy()
    e0 = pot.compute(conf.copy(velocities=None)).energy
    for k in range(res.attempts):
        i, j = res.i[k], res.j[k]
        assert types[i] != types[j]
        trial = types.copy()
        trial[i], trial[j] = types[j], types[i]
        e1 = pot.compute(conf.copy(types=trial, velocities=None)).energy
        assert res.delta_energy[k] == pytest.approx(e1 - e0, abs=1e-10)
        if res.accepted_mask[k]:
            types, e0 = trial, e1
    np.testing.assert_array_equal(types, res.types)
    assert res.accepted > 0
    np.testing.assert_array_equal(np.bincount(res.types), np.bincount(conf.types))


def test_swap_respects_allowed_pairs(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    res = SwapMC(system.potential, 0.5, pairs=[(0, 2)]).sweep(
        conf.positions, conf.types, conf.box, 2000, 1, record=True)
    pairs = {tuple(sorted((conf.types[i], conf.types[j]))) for i, j in zip(res.i[:1], res.j[:1])}
    assert pairs == {(0, 2)}
    assert set(np.flatnonzero(res.types != conf.types)) <= set(np.flatnonzero(conf.types != 1))
    with pytest.raises(ValueError, match="invalid swap pair"):
        SwapMC(system.potential, 0.5, pairs=[(1, 1)])


def test_swap_is_reproducible(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    mc = SwapMC(system.potential, 0.5)
    a = mc.sweep(conf.positions, conf.types, conf.box, 3000, 77)
    b = mc.sweep(conf.positions, conf.types, conf.box, 3000, 77)
    np.testing.assert_array_equal(a.types, b.types)


def test_acceptance_agrees_with_lammps_atom_swap(liquid):
    """Same configuration, T and species pair (1, 3): acceptance rates agree within statistics."""
    system, conf = liquid("ka2d", 0.5, 2000)
    pot = system.potential
    with LammpsSimulation(conf, pot, system.dt) as sim:
        sim.command("fix sw all atom/swap 1 1000 4242 0.5 ke no types 1 3")
        sim.command("run 8 post no")
        n_l = sim.lmp.extract_fix("sw", 0, 1, 0)
        p_l = sim.lmp.extract_fix("sw", 0, 1, 1) / n_l
    mc = SwapMC(pot, 0.5, pairs=[(0, 2)])
    types, acc = conf.types.copy(), 0
    for k in range(16):
        res = mc.sweep(conf.positions, types, conf.box, 1000, 1000 + k)
        types, acc = res.types, acc + res.accepted
    n_g = 16000
    p_g = acc / n_g
    p = 0.5 * (p_l + p_g)
    sigma = np.sqrt(p * (1 - p) * (1 / n_l + 1 / n_g))
    # chains are correlated: allow 5 binomial sigmas inflated by 1.5
    assert abs(p_l - p_g) < 7.5 * sigma, (p_l, p_g, sigma)
    assert 0.005 < p_g < 0.2


def test_swap_md_alternation(liquid):
    system, conf = liquid("ka2d", 0.5, 500)
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.nvt(0.5)
        out = run_swap_md(sim, SwapMC(system.potential, 0.5), 20, md_steps=10, attempts=2100, rng=3)
        assert out["attempts"] == 42000 and out["accepted"] > 0
        assert sim.step == 200
        np.testing.assert_array_equal(np.bincount(sim.types), [600, 330, 360])
        # LAMMPS sees the swapped types: its energy equals the reference on the new state
        ref = system.potential.compute(sim.configuration(with_velocities=False)).energy
        assert sim.potential_energy() == pytest.approx(ref, rel=1e-9)


def test_swap_attempts_per_particle_follow_the_seed_on_larger_systems():
    """The seed's 2100 attempts per phase are for N = 1290: a 4 x 4 tiling (N = 20640) keeps the
    attempts per particle, not the count (a fixed 2100 made tau_SWAP 16 times longer per particle)."""
    from glassdyn.systems import get_system
    from glassdyn.workflows.equilibrate import swap_attempts

    base, big = get_system("ka2d"), get_system("ka2d").tiled(4)
    assert swap_attempts(base) == 2100
    assert swap_attempts(big) / big.n_particles == swap_attempts(base) / base.n_particles
