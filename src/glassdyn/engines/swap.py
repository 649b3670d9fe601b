"""Swap Monte Carlo with a local-energy kernel (numba), alternating with LAMMPS MD.

A swap move picks a particle i uniformly, then a partner j uniformly among the particles of a
species allowed to swap with species(i), and exchanges their species with the Metropolis
probability min(1, exp(-dE/T)).  dE involves only the neighbourhoods of i and j: the i-j pair
itself is symmetric under the exchange and drops out.  Positions do not move during a phase, so
one exact neighbour list (no skin) serves every attempt of the phase.

The unordered pair {i, j} of species {a, b} is proposed with probability
(1/N_e)(1/N_p(a) + 1/N_p(b)), unchanged by the swap (compositions are conserved), so the proposal
is symmetric and detailed balance holds.

LAMMPS's ``fix atom/swap`` recomputes the full energy at every attempt and swaps only two types per
fix; the paper's protocol (2100 attempts every 10 MD steps, KA2D) needs this kernel instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from ..systems.potentials import PairPotential
from .cells import cell_list, distance2

__all__ = ["SwapMC", "SwapResult", "run_swap_md", "neighbor_list"]


# ----------------------------------------------------------------------------- kernels
@numba.njit(cache=True)
def _neighbor_list(pos, box, rc, dim):
    """Full neighbour list within rc (CSR: start (N+1,), index (P,), r2 (P,)); pos (N, 3), box (3,)."""
    n = pos.shape[0]
    rc2 = rc * rc
    nc, w, head, nxt, cell = cell_list(pos, box, dim, rc)
    counts = np.zeros(n, np.int64)
    # two passes: count, then fill
    start = np.zeros(n + 1, np.int64)
    index = np.empty(0, np.int64)
    r2s = np.empty(0, np.float64)
    fill = np.zeros(n, np.int64)
    for npass in range(2):
        if npass == 1:
            for i in range(n):
                start[i + 1] = start[i] + counts[i]
            index = np.empty(start[n], np.int64)
            r2s = np.empty(start[n], np.float64)
            fill = start[:n].copy()
        for i in range(n):
            c = cell[i]
            for ox in range(-w[0], w[0] + 1):
                for oy in range(-w[1], w[1] + 1):
                    for oz in range(-w[2], w[2] + 1):
                        cx = (c[0] + ox) % nc[0]
                        cy = (c[1] + oy) % nc[1]
                        cz = (c[2] + oz) % nc[2]
                        j = head[(cx * nc[1] + cy) * nc[2] + cz]
                        while j >= 0:
                            if j != i:
                                r2 = distance2(pos, i, j, box, dim)
                                if r2 < rc2:
                                    if npass == 0:
                                        counts[i] += 1
                                    else:
                                        index[fill[i]] = j
                                        r2s[fill[i]] = r2
                                        fill[i] += 1
                            j = nxt[j]
    return start, index, r2s


_TERMS = 6  # power-series terms the kernel evaluates (unused ones padded with zero coefficients)


@numba.njit(cache=True, inline="always")
def _ipow(x, n):
    """x**n for an integer n by repeated squaring (exact to rounding, no libm pow)."""
    if n < 0:
        x, n = 1.0 / x, -n
    out = 1.0
    while n:
        if n & 1:
            out *= x
        x *= x
        n >>= 1
    return out


@numba.njit(cache=True, inline="always")
def _pair(k, a, b, powers, coef, r2s, rc2):
    """V_ab of neighbour pair k: sum_m coef[a, b, m] powers[k, m] (the potential's power series)."""
    if r2s[k] >= rc2[a, b]:
        return 0.0
    v = 0.0
    for m in range(_TERMS):  # a compile-time trip count: unrolled
        v += coef[a, b, m] * powers[k, m]
    return v


@numba.njit(cache=True)
def _local_change(p, a, b, skip, types, start, index, r2s, powers, coef, rc2):
    """Energy change of particle p's bonds (all but the one to ``skip``) when its species a -> b."""
    e = 0.0
    for k in range(start[p], start[p + 1]):
        q = index[k]
        if q != skip:
            t = types[q]
            e += _pair(k, b, t, powers, coef, r2s, rc2) - _pair(k, a, t, powers, coef, r2s, rc2)
    return e


@numba.njit(cache=True)
def _swap_kernel(types, start, index, r2s, half_exponents, coef, rc2, beta, partners, u_i, u_j, u_acc,
                 rec_i, rec_j, rec_de, rec_acc, record):
    """Run len(u_i) swap attempts in place on ``types``; returns the number accepted."""
    n = types.shape[0]
    m = partners.shape[0]
    powers = np.zeros((r2s.shape[0], _TERMS))
    for k in range(r2s.shape[0]):
        for q in range(half_exponents.shape[0]):
            powers[k, q] = _ipow(r2s[k], half_exponents[q])
    # particles grouped by species: members[offset[t]:offset[t]+count[t]], where[p] = slot of p
    count = np.zeros(m, np.int64)
    for p in range(n):
        count[types[p]] += 1
    offset = np.zeros(m, np.int64)
    for t in range(1, m):
        offset[t] = offset[t - 1] + count[t - 1]
    members = np.empty(n, np.int64)
    where = np.empty(n, np.int64)
    fill = offset.copy()
    for p in range(n):
        members[fill[types[p]]] = p
        where[p] = fill[types[p]]
        fill[types[p]] += 1
    # eligible first particles: species with at least one partner particle
    n_partner = np.zeros(m, np.int64)
    for a in range(m):
        for b in range(m):
            if partners[a, b]:
                n_partner[a] += count[b]
    n_elig = 0
    for a in range(m):
        if n_partner[a] > 0:
            n_elig += count[a]
    accepted = 0
    if n_elig == 0:
        return 0
    for att in range(u_i.shape[0]):
        # i: the k-th eligible particle
        k = int(u_i[att] * n_elig)
        i = -1
        for a in range(m):
            if n_partner[a] > 0:
                if k < count[a]:
                    i = members[offset[a] + k]
                    break
                k -= count[a]
        a = types[i]
        # j: uniform among partner species of a
        k = int(u_j[att] * n_partner[a])
        j = -1
        for b in range(m):
            if partners[a, b]:
                if k < count[b]:
                    j = members[offset[b] + k]
                    break
                k -= count[b]
        b = types[j]
        de = (_local_change(i, a, b, j, types, start, index, r2s, powers, coef, rc2)
              + _local_change(j, b, a, i, types, start, index, r2s, powers, coef, rc2))
        acc = de <= 0.0 or u_acc[att] < np.exp(-beta * de)
        if acc:
            types[i] = b
            types[j] = a
            pi = where[i]
            pj = where[j]
            members[pi] = j
            members[pj] = i
            where[i] = pj
            where[j] = pi
            accepted += 1
        if record:
            rec_i[att] = i
            rec_j[att] = j
            rec_de[att] = de
            rec_acc[att] = acc
    return accepted


def neighbor_list(positions: np.ndarray, box: np.ndarray, cutoff: float):
    """Exact full neighbour list (start (N+1,), index (P,), r2 (P,)) within ``cutoff`` (numba cells)."""
    n, d = positions.shape
    pos = np.zeros((n, 3))
    pos[:, :d] = np.mod(positions, box)
    box3 = np.ones(3)
    box3[:d] = box
    return _neighbor_list(pos, box3, float(cutoff), d)


# ----------------------------------------------------------------------------- public API
@dataclass
class SwapResult:
    """Outcome of a swap phase: new types (N,), attempts, accepted; per-attempt records if asked."""

    types: np.ndarray
    attempts: int
    accepted: int
    i: np.ndarray | None = None
    j: np.ndarray | None = None
    delta_energy: np.ndarray | None = None
    accepted_mask: np.ndarray | None = None

    @property
    def acceptance(self) -> float:
        return self.accepted / self.attempts if self.attempts else 0.0


class SwapMC:
    """Local-energy swap Monte Carlo for a :class:`PairPotential` (via its ``power_series()``) at temperature T.

    Parameters
    ----------
    potential : the pair potential.
    temperature : Metropolis temperature.
    pairs : species pairs allowed to swap, e.g. ``[(0, 2)]``; default every pair of different species.
    """

    def __init__(self, potential: PairPotential, temperature: float, pairs=None):
        if not np.isfinite(temperature) or temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        m = potential.n_species
        allowed = np.zeros((m, m), dtype=np.bool_)
        if pairs is None:
            allowed[:] = True
            np.fill_diagonal(allowed, False)
        else:
            for a, b in pairs:
                if not (0 <= a < m and 0 <= b < m) or a == b:
                    raise ValueError(f"invalid swap pair ({a}, {b}) for {m} species")
                allowed[a, b] = allowed[b, a] = True
        self.potential = potential
        self.temperature = float(temperature)
        self.partners = allowed
        series = potential.power_series()
        if series is None:
            raise ValueError(f"potential kind {potential.kind!r} offers no power series: swap Monte Carlo "
                             f"cannot evaluate it")
        half_exponents, coef = np.asarray(series[0], dtype=np.int64), np.asarray(series[1], dtype=float)
        if half_exponents.size > _TERMS or coef.shape != (half_exponents.size, m, m):
            raise ValueError(f"power_series() must give at most {_TERMS} exponents and coefficients "
                             f"(K, {m}, {m}); got {half_exponents.shape} and {coef.shape}")
        padded = np.zeros((m, m, _TERMS))
        padded[:, :, :half_exponents.size] = np.moveaxis(coef, 0, -1)
        self._params = (half_exponents, padded,
                        np.ascontiguousarray(np.asarray(potential.cutoff, dtype=float) ** 2))

    def sweep(self, positions, types, box, attempts: int, rng, record: bool = False) -> SwapResult:
        """Run ``attempts`` swap attempts on fixed positions (N, d); returns the new types."""
        positions = np.asarray(positions, dtype=float)
        types = np.array(types, dtype=np.int64)
        box = np.asarray(box, dtype=float)
        if positions.ndim != 2 or positions.shape[0] != types.shape[0]:
            raise ValueError("positions (N, d) and types (N,) do not match")
        if types.min() < 0 or types.max() >= self.potential.n_species:
            raise ValueError("types contain species unknown to the potential")
        rng = np.random.default_rng(rng)
        u = rng.random((3, int(attempts)))
        start, index, r2s = neighbor_list(positions, box, self.potential.max_cutoff)
        n_rec = int(attempts) if record else 0
        rec_i = np.empty(n_rec, np.int64)
        rec_j = np.empty(n_rec, np.int64)
        rec_de = np.empty(n_rec)
        rec_acc = np.empty(n_rec, np.bool_)
        accepted = _swap_kernel(types, start, index, r2s, *self._params, 1.0 / self.temperature,
                                self.partners, u[0], u[1], u[2], rec_i, rec_j, rec_de, rec_acc,
                                record)
        if record:
            return SwapResult(types, int(attempts), int(accepted), rec_i, rec_j, rec_de, rec_acc)
        return SwapResult(types, int(attempts), int(accepted))


def run_swap_md(simulation, swap: SwapMC, cycles: int, md_steps: int = 10, attempts: int = 2100,
                rng=None) -> dict:
    """Alternate ``md_steps`` LAMMPS MD steps with ``attempts`` swap attempts, ``cycles`` times.

    The simulation's integrator (e.g. ``nvt(T)``) must be set.  Returns counts of attempts and
    accepted swaps.  Seed protocol for KA2D: md_steps=10, attempts=2100.
    """
    rng = np.random.default_rng(rng)
    types = simulation.types
    total = accepted = 0
    for _ in range(int(cycles)):
        simulation.run(md_steps)
        res = swap.sweep(simulation.positions, types, simulation.box, attempts, rng)
        if res.accepted:
            types = res.types
            simulation.types = types
        total += res.attempts
        accepted += res.accepted
    return dict(attempts=total, accepted=accepted)
