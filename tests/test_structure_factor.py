"""Partial S_ab(k): ideal gas, lattice Bragg peaks, brute-force sum, partials sum to the total."""
import itertools

import numpy as np
import pytest

from glassdyn.structure import StructureFactor, convert_partials, partial_structure_factors
from glassdyn.systems import Configuration


def test_matches_brute_force_lattice_sum():
    rng = np.random.default_rng(0)
    L, n = 5.0, 40
    pos = rng.uniform(0, L, (n, 3))
    types = rng.integers(0, 2, n)
    k, S, counts = partial_structure_factors(pos, types, [L] * 3, k_max=6.0, n_bins=6)
    nm = int(6.0 * L / (2 * np.pi))
    sums = np.zeros((6, 2, 2))
    cnt = np.zeros(6)
    for v in itertools.product(range(-nm, nm + 1), repeat=3):
        kv = 2 * np.pi * np.array(v) / L
        kk = np.linalg.norm(kv)
        if 0 < kk < 6.0:
            rho = np.array([np.exp(-1j * pos[types == a] @ kv).sum() for a in range(2)])
            b = int(kk)
            sums[b] += np.real(np.outer(rho, rho.conj())) / n
            cnt[b] += 1
    ok = cnt > 0
    np.testing.assert_allclose(S[ok], sums[ok] / cnt[ok, None, None], rtol=1e-10)
    assert np.isnan(S[0]).all()  # no lattice vector below 2 pi / L


def test_ideal_gas_and_large_k_limits():
    rng = np.random.default_rng(1)
    pos = rng.uniform(0, 10, (3000, 2))
    types = (rng.random(3000) < 0.3).astype(int)
    sf = StructureFactor(k_max=30.0, n_bins=30).compute(Configuration(pos, types, [10, 10]))
    x = np.bincount(types) / 3000
    # ~40 vectors per shell: each shell fluctuates by ~15 %, the mean over 25 shells by ~3 %
    assert np.nanmean(sf.S_total[5:]) == pytest.approx(1.0, abs=0.06)
    np.testing.assert_allclose(np.nanmean(sf.S_partial[5:], axis=0), np.diag(x), atol=0.05)
    # partials sum to the total; Faber-Ziman partials of an ideal gas are 1
    np.testing.assert_allclose(sf.S_partial.sum(axis=(1, 2)), sf.S_total)
    fz = convert_partials(np.nanmean(sf.S_partial[5:], axis=0), x, "number", "faber-ziman")
    np.testing.assert_allclose(fz, 1.0, atol=0.25)


def test_bragg_peaks_of_a_square_lattice():
    a, n = 1.0, 20
    g = (np.arange(n) + 0.5) * a
    X, Y = np.meshgrid(g, g)
    conf = Configuration(np.c_[X.ravel(), Y.ravel()], np.zeros(n * n, int), [n * a, n * a])
    sf = StructureFactor(k_max=10.0, n_bins=100).compute(conf)
    k1 = 2 * np.pi / a
    # shells are 0.1 wide and hold many lattice vectors; only the Bragg vectors contribute, each
    # with |rho|^2 / N = N: (0, +-20), (+-20, 0) -> 2 of each +- pair at k1, (+-20, +-20) -> 2 at
    # sqrt(2) k1
    for kb in (k1, np.sqrt(2) * k1):
        b = int(kb / 0.1)
        assert sf.S_total[b] * sf.counts[b] == pytest.approx(2 * n * n, rel=1e-9)
    assert sf.k_peak() == pytest.approx(k1, abs=0.1)
    others = np.delete(np.arange(100), [int(k1 / 0.1), int(np.sqrt(2) * k1 / 0.1)])
    assert np.nanmax(sf.S_total[others]) < 1e-9
