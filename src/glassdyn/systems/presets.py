"""System presets: a potential plus composition, box and time step, as published.

``get_system("ka2d")``            KA2D, N = 1290 (600/330/360), L = 32.896 (Jung 2023)
``get_system("ka3d")``            3D KA, N = 4096 (3277/819), rho = 1.2 (Jung 2023 SM VI)
``get_system("ka3d_lj", rho=1.2)``  3D KA LJ, L = 10, N = rho L^3, 80:20 (Ciarella 2023)
``get_system("ka3d_wca", rho=1.4)`` 3D KA WCA, same geometry (Ciarella 2023)

``system.tiled(k)`` repeats a system k times along every axis (same density and composition), the
way large transfer systems (N = 64 x 1290 = 82560) are built.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .configuration import Configuration
from .potentials import PairPotential, get_potential, potential_from_dict

__all__ = ["SystemPreset", "get_system", "SYSTEMS"]


@dataclass(frozen=True, eq=False)
class SystemPreset:
    """A simulated system: potential, particle numbers per species (M,), box (d,), MD time step;
    ``swap`` whether equilibration adds swap Monte Carlo (the paper's KA2D protocol); ``tile`` the
    periodic repetition factor per axis of a base system (1: not tiled)."""

    name: str
    potential: PairPotential
    counts: tuple
    box: tuple
    dt: float
    swap: bool = False
    tile: int = 1

    def __post_init__(self):
        if len(self.counts) != self.potential.n_species:
            raise ValueError(
                f"{self.name}: {len(self.counts)} species counts for a "
                f"{self.potential.n_species}-species potential"
            )
        if len(self.box) != self.potential.dimension:
            raise ValueError(f"{self.name}: box {self.box} does not match dimension "
                             f"{self.potential.dimension}")
        if any(c < 0 for c in self.counts) or sum(self.counts) == 0:
            raise ValueError(f"{self.name}: invalid counts {self.counts}")
        if self.dt <= 0:
            raise ValueError(f"{self.name}: time step must be positive, got {self.dt}")

    @property
    def n_particles(self) -> int:
        return int(sum(self.counts))

    @property
    def dimension(self) -> int:
        return self.potential.dimension

    @property
    def density(self) -> float:
        return self.n_particles / float(np.prod(self.box))

    def types(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.counts)), self.counts)

    def tiled(self, k: int) -> "SystemPreset":
        """The same system repeated k times along each axis (N -> k^d N)."""
        if k < 1:
            raise ValueError("tiling factor must be >= 1")
        f = k**self.dimension
        return SystemPreset(f"{self.name}x{f}", self.potential, tuple(c * f for c in self.counts),
                            tuple(b * k for b in self.box), self.dt, self.swap, self.tile * k)

    def untiled(self) -> "SystemPreset":
        """The base system this one tiles (itself when not tiled)."""
        if self.tile == 1:
            return self
        f = self.tile**self.dimension
        return SystemPreset(self.name.rsplit("x", 1)[0], self.potential, tuple(c // f for c in self.counts),
                            tuple(b / self.tile for b in self.box), self.dt, self.swap)

    def lattice_configuration(self, seed: int | None = 0, jitter: float = 0.05) -> Configuration:
        """A non-overlapping start: random sites of a simple (square/cubic) lattice, species shuffled.

        The lattice spacing is ~rho^(-1/d) (> 0.8 sigma_11 for every preset), so no pair is closer
        than the potential's r_min; melt it with MD at high T before use.
        """
        rng = np.random.default_rng(seed)
        d, n = self.dimension, self.n_particles
        box = np.asarray(self.box, dtype=float)
        per_axis = int(np.ceil(n ** (1.0 / d) - 1e-9))
        while per_axis**d < n:
            per_axis += 1
        grid = np.stack(np.meshgrid(*[np.arange(per_axis)] * d, indexing="ij"), -1).reshape(-1, d)
        sites = grid[rng.choice(len(grid), n, replace=False)]
        spacing = box / per_axis
        pos = (sites + 0.5) * spacing + rng.uniform(-jitter, jitter, size=(n, d)) * spacing
        return Configuration(pos, rng.permutation(self.types()), box, wrap=True)

    def to_dict(self) -> dict:
        return dict(name=self.name, potential=self.potential.to_dict(), counts=list(self.counts),
                    box=list(self.box), dt=self.dt, swap=self.swap, tile=self.tile)

    @classmethod
    def from_dict(cls, d: dict) -> "SystemPreset":
        """The system a ``to_dict()`` describes (any potential kind)."""
        d = dict(d)
        if "swap" not in d:  # written before systems recorded it: the named preset's protocol
            d["swap"] = d["name"] in SYSTEMS and SYSTEMS[d["name"]]().swap
        d["potential"] = potential_from_dict(d["potential"])
        d["counts"], d["box"] = tuple(d["counts"]), tuple(d["box"])
        return cls(**d)


def _ka2d() -> SystemPreset:
    return SystemPreset("ka2d", get_potential("ka2d"), (600, 330, 360), (32.896, 32.896), 0.01, swap=True)


def _ka3d() -> SystemPreset:
    n = 4096
    length = (n / 1.2) ** (1.0 / 3.0)
    return SystemPreset("ka3d", get_potential("ka3d"), (3277, 819), (length,) * 3, 0.005)


def _collective(interaction: str, rho: float = 1.2) -> SystemPreset:
    if not 0.5 <= rho <= 2.5:
        raise ValueError(f"density rho={rho} outside the supported range [0.5, 2.5]")
    n = int(round(rho * 1000))
    n_a = int(round(0.8 * n))
    return SystemPreset(f"ka3d_{interaction}_rho{rho:g}", get_potential(f"ka3d_{interaction}"),
                        (n_a, n - n_a), (10.0, 10.0, 10.0), 0.002)


SYSTEMS = {
    "ka2d": _ka2d,
    "ka3d": _ka3d,
    "ka3d_lj": lambda rho=1.2: _collective("lj", rho),
    "ka3d_wca": lambda rho=1.2: _collective("wca", rho),
}


def get_system(name: str, **kwargs) -> SystemPreset:
    """A system preset by name; ``rho`` selects the density of the Ciarella 2023 systems."""
    try:
        factory = SYSTEMS[name]
    except KeyError:
        raise ValueError(f"unknown system {name!r}; known: {sorted(SYSTEMS)}") from None
    return factory(**kwargs)
