"""Pair potentials: the :class:`PairPotential` interface, its registry of kinds, and the
Kob-Andersen family as the first kind.

Every consumer (the LAMMPS engine's tables, the swap kernel, bond breaking, the descriptors, the
stores' provenance) goes through :class:`PairPotential`; a new kind is one subclass registered with
``@POTENTIAL_KINDS.register("kind")`` (see ``docs/architecture.md``).

The ``lennard_jones`` kind, :class:`LennardJonesMixture`::

    V_ab(r) = 4 eps_ab [ (s/r)^12 - (s/r)^6 + C0 + C2 (r/s)^2 + C4 (r/s)^4 ] - shift_ab ,  r < rc_ab
            = 0                                                                      ,  r >= rc_ab

with s = sigma_ab.  The smoothing constants C0, C2, C4 sit *inside* the 4 eps bracket (KA2D, seed
000 SM I): only then do V, V' and V'' vanish at rc = 2.5 sigma_ab for every eps_ab.  ``shift=True``
subtracts V(rc) so that V(rc) = 0 (the truncated-and-shifted KA LJ / WCA of Ciarella 2023).

The LAMMPS engine tabulates ``pair_energy`` / ``pair_derivative``, the numba swap kernel evaluates
``power_series()``, and :meth:`PairPotential.compute` is the plain numpy reference used to check
both.  Units: reduced LJ units (eps_11, sigma_11, m = 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..registry import Registry

__all__ = [
    "PairPotential",
    "POTENTIAL_KINDS",
    "potential_from_dict",
    "LennardJonesMixture",
    "PotentialResult",
    "POTENTIALS",
    "get_potential",
    "ka2d",
    "ka3d",
    "ka3d_lj",
    "ka3d_wca",
]

POTENTIAL_KINDS = Registry("potential kind")


def _square(values, m: int, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (m, m):
        raise ValueError(f"{what} must have shape ({m}, {m}), got {arr.shape}")
    if not np.allclose(arr, arr.T):
        raise ValueError(f"{what} must be symmetric")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{what} must be finite and positive")
    return arr


class PairPotential:
    """Interface of a pairwise-additive potential between M species in d dimensions.

    A kind provides the attributes ``name``, ``dimension`` (2 or 3), ``species`` (M names; index a
    is LAMMPS type a + 1), ``sigma`` (M, M) length scales (the unit of the bond-breaking criteria
    and of the Voronoi radii sigma_aa / 2), ``cutoff`` (M, M) and ``r_min`` (smallest r / sigma_ab
    represented; closer pairs are overlaps), and the methods below marked *kind*.  Everything else
    (neighbour pairs, the numpy reference energy and forces, input checks, provenance) is shared.
    """

    kind: str = ""

    # ---------------------------------------------------------------- kind
    def pair_energy(self, r, a, b) -> np.ndarray:
        """*kind*: V_ab(r) for arrays of distances r and species indices a, b (broadcast)."""
        raise NotImplementedError

    def pair_derivative(self, r, a, b, order: int = 1) -> np.ndarray:
        """*kind*: d^n V_ab / dr^n (n = 1 or 2) for r < rc_ab, 0 beyond."""
        raise NotImplementedError

    def parameters(self) -> dict:
        """*kind*: the constructor arguments (JSON types), for provenance and :meth:`from_dict`."""
        raise NotImplementedError

    def power_series(self):
        """*kind, optional*: (h (K,) ints, c (K, M, M)) with V_ab(r) = sum_k c[k, a, b] (r^2)^h[k]
        for r < rc_ab; the form the swap Monte Carlo kernel evaluates.  None: no swap MC."""
        return None

    # ---------------------------------------------------------------- shared
    @property
    def n_species(self) -> int:
        return len(self.species)

    @property
    def max_cutoff(self) -> float:
        return float(np.max(self.cutoff))

    # ---------------------------------------------------------------- numpy reference
    def pairs(self, configuration, r_max: float | None = None):
        """All ordered pairs (i, j), i != j, closer than r_max (default: the largest cutoff).

        Returns (i, j, rij) with rij (P, d) the minimum-image vector r_j - r_i.  freud's periodic
        AABB tree finds the pairs (linear in N); the vectors are recomputed in double precision
        because freud works in single precision.
        """
        import freud

        r_max = self.max_cutoff if r_max is None else r_max
        box = configuration.freud_box()
        pts = configuration.freud_points()
        nlist = (
            freud.locality.AABBQuery(box, pts)
            .query(pts, dict(r_max=r_max * (1 + 1e-5), exclude_ii=True))  # margin: freud is float32
            .toNeighborList()
        )
        i = np.asarray(nlist.query_point_indices, dtype=np.int64)
        j = np.asarray(nlist.point_indices, dtype=np.int64)
        pos = configuration.positions
        rij = configuration.minimum_image(pos[j] - pos[i])
        keep = np.einsum("pd,pd->p", rij, rij) < r_max * r_max  # float32 edge cases at r_max
        return i[keep], j[keep], rij[keep]

    def compute(self, configuration) -> "PotentialResult":
        """Energy, per-particle energies (1/2 sum_j V_ij) and forces, in plain numpy (reference)."""
        self.check(configuration)
        i, j, rij = self.pairs(configuration)
        r = np.linalg.norm(rij, axis=1)
        ti, tj = configuration.types[i], configuration.types[j]
        v = self.pair_energy(r, ti, tj)
        dv = self.pair_derivative(r, ti, tj)
        n = configuration.n_particles
        per_particle = 0.5 * np.bincount(i, weights=v, minlength=n)
        # force on i from j: -dV/dr * (r_i - r_j)/r = +dV/dr * rij / r
        fij = (dv / r)[:, None] * rij
        forces = np.zeros((n, configuration.dimension))
        for d in range(configuration.dimension):
            forces[:, d] = np.bincount(i, weights=fij[:, d], minlength=n)
        return PotentialResult(float(per_particle.sum()), per_particle, forces)

    def check(self, configuration) -> None:
        """Raise ValueError if the configuration does not fit this potential.

        Checks dimension, species indices, and overlaps closer than r_min * sigma_ab (the table's
        inner limit, where the energy is no longer represented).
        """
        if configuration.dimension != self.dimension:
            raise ValueError(
                f"potential {self.name!r} is {self.dimension}D but the configuration is "
                f"{configuration.dimension}D"
            )
        bad = configuration.types >= self.n_species
        if np.any(bad):
            raise ValueError(
                f"unknown species index {int(configuration.types[bad][0])}: potential "
                f"{self.name!r} has {self.n_species} species {self.species}"
            )
        r_close = self.r_min * float(np.max(self.sigma))
        i, j, rij = self.pairs(configuration, r_max=r_close)
        if i.size:
            r = np.linalg.norm(rij, axis=1)
            limit = self.r_min * self.sigma[configuration.types[i], configuration.types[j]]
            over = r < limit
            if np.any(over):
                k = int(np.argmax(over))
                raise ValueError(
                    f"overlapping particles {int(i[k])} and {int(j[k])} at distance {r[k]:.4g} < "
                    f"{limit[k]:.4g} (r_min={self.r_min} sigma): closer than the potential table "
                    f"can represent"
                )

    # ---------------------------------------------------------------- provenance
    def to_dict(self) -> dict:
        return dict(kind=self.kind, **self.parameters())

    @classmethod
    def from_dict(cls, d: dict) -> "PairPotential":
        d = dict(d)
        d.pop("kind", None)
        return cls(**d)

    def __eq__(self, other):
        return isinstance(other, PairPotential) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(self.name)


def potential_from_dict(d: dict) -> PairPotential:
    """The potential a ``to_dict()`` describes (dicts without ``kind``, written before kinds existed,
    are Lennard-Jones mixtures)."""
    if not isinstance(d, dict):
        raise ValueError(f"a potential description must be a dict, got {type(d).__name__}")
    return POTENTIAL_KINDS.get(d.get("kind", "lennard_jones")).from_dict(d)


@POTENTIAL_KINDS.register("lennard_jones")
@dataclass(frozen=True, eq=False)
class LennardJonesMixture(PairPotential):
    """Kind ``lennard_jones``: a multicomponent (smoothed / truncated / shifted) Lennard-Jones potential.

    Parameters
    ----------
    name : preset name recorded in provenance.
    dimension : 2 or 3.
    species : species names, index a = 0..M-1 is LAMMPS type a+1.
    epsilon, sigma : (M, M) symmetric interaction matrices.
    cutoff : (M, M) absolute cutoff radii rc_ab.
    c0, c2, c4 : smoothing constants inside the 4 eps bracket (0 for plain LJ).
    shift : subtract V_ab(rc_ab) so that the energy is continuous at the cutoff.
    r_min : smallest r / sigma_ab represented by the tabulated potential; closer pairs are rejected
        as overlaps (V(0.5 sigma) is already ~1.6e4 eps, never reached in a liquid).
    """

    kind = "lennard_jones"

    name: str
    dimension: int
    species: tuple
    epsilon: np.ndarray
    sigma: np.ndarray
    cutoff: np.ndarray
    c0: float = 0.0
    c2: float = 0.0
    c4: float = 0.0
    shift: bool = False
    r_min: float = 0.5
    energy_shift: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        m = len(self.species)
        if self.dimension not in (2, 3):
            raise ValueError(f"dimension must be 2 or 3, got {self.dimension}")
        object.__setattr__(self, "species", tuple(str(s) for s in self.species))
        for name in ("epsilon", "sigma", "cutoff"):
            object.__setattr__(self, name, _square(getattr(self, name), m, name))
        if np.any(self.cutoff <= self.r_min * self.sigma):
            raise ValueError("every cutoff must exceed r_min * sigma")
        unshifted = self._bracket(self.cutoff, self.sigma) * 4.0 * self.epsilon
        object.__setattr__(self, "energy_shift", unshifted if self.shift else np.zeros((m, m)))

    def _bracket(self, r, s):
        x = s / r
        x6 = x**6
        y = r / s
        y2 = y * y
        return x6 * x6 - x6 + self.c0 + self.c2 * y2 + self.c4 * y2 * y2

    def pair_energy(self, r, a, b) -> np.ndarray:
        """V_ab(r) for arrays of distances r and species indices a, b (broadcast)."""
        r = np.asarray(r, dtype=float)
        a, b = np.asarray(a), np.asarray(b)
        s, e, rc = self.sigma[a, b], self.epsilon[a, b], self.cutoff[a, b]
        v = 4.0 * e * self._bracket(r, s) - self.energy_shift[a, b]
        return np.where(r < rc, v, 0.0)

    def pair_derivative(self, r, a, b, order: int = 1) -> np.ndarray:
        """d^n V_ab / dr^n (n = 1 or 2) for r < rc, 0 beyond."""
        r = np.asarray(r, dtype=float)
        a, b = np.asarray(a), np.asarray(b)
        s, e, rc = self.sigma[a, b], self.epsilon[a, b], self.cutoff[a, b]
        x = s / r
        if order == 1:
            d = (-12 * x**12 + 6 * x**6) / r + (2 * self.c2 * r / s**2 + 4 * self.c4 * r**3 / s**4)
        elif order == 2:
            d = (156 * x**12 - 42 * x**6) / r**2 + (2 * self.c2 / s**2 + 12 * self.c4 * r**2 / s**4)
        else:
            raise ValueError("order must be 1 or 2")
        return np.where(r < rc, 4.0 * e * d, 0.0)

    def power_series(self):
        e4, s2 = 4.0 * self.epsilon, self.sigma**2
        coef = np.stack([e4 * s2**6, -e4 * s2**3, e4 * self.c0 - self.energy_shift, e4 * self.c2 / s2,
                         e4 * self.c4 / s2**2])
        return np.array([-6, -3, 0, 1, 2]), coef

    def parameters(self) -> dict:
        return dict(
            name=self.name, dimension=self.dimension, species=list(self.species),
            epsilon=self.epsilon.tolist(), sigma=self.sigma.tolist(), cutoff=self.cutoff.tolist(),
            c0=self.c0, c2=self.c2, c4=self.c4, shift=self.shift, r_min=self.r_min,
        )


@dataclass
class PotentialResult:
    """Output of :meth:`PairPotential.compute`: energy (total), per_particle (N,), forces (N, d)."""

    energy: float
    per_particle: np.ndarray
    forces: np.ndarray


# ---------------------------------------------------------------------------------- presets
_KA_EPS = [[1.0, 1.5], [1.5, 0.5]]
_KA_SIG = [[1.0, 0.8], [0.8, 0.88]]


def ka2d() -> LennardJonesMixture:
    """KA2D ternary mixture of Jung 2023 (SM I): smoothed at rc = 2.5 sigma_ab, V, V', V'' -> 0."""
    eps = np.array([[1.0, 1.5, 0.75], [1.5, 0.5, 1.5], [0.75, 1.5, 0.75]])
    sig = np.array([[1.0, 0.8, 0.9], [0.8, 0.88, 0.8], [0.9, 0.8, 0.94]])
    return LennardJonesMixture(
        name="ka2d", dimension=2, species=("1", "2", "3"), epsilon=eps, sigma=sig,
        cutoff=2.5 * sig, c0=0.04049023795, c2=-0.00970155098, c4=0.00062012616,
    )


def ka3d() -> LennardJonesMixture:
    """3D KA as used for GlassMLP (Jung 2023 SM VI, Bapst et al.): C=0, rc = 2.5 sigma_11, unshifted."""
    return LennardJonesMixture(
        name="ka3d", dimension=3, species=("A", "B"), epsilon=_KA_EPS, sigma=_KA_SIG,
        cutoff=np.full((2, 2), 2.5),
    )


def ka3d_lj() -> LennardJonesMixture:
    """3D KA LJ of Ciarella 2023: rc = 2.5 sigma_ab, shifted to V(rc) = 0."""
    sig = np.array(_KA_SIG)
    return LennardJonesMixture(
        name="ka3d_lj", dimension=3, species=("A", "B"), epsilon=_KA_EPS, sigma=sig,
        cutoff=2.5 * sig, shift=True,
    )


def ka3d_wca() -> LennardJonesMixture:
    """3D KA WCA of Ciarella 2023: rc = 2^(1/6) sigma_ab, shifted (purely repulsive)."""
    sig = np.array(_KA_SIG)
    return LennardJonesMixture(
        name="ka3d_wca", dimension=3, species=("A", "B"), epsilon=_KA_EPS, sigma=sig,
        cutoff=2.0 ** (1.0 / 6.0) * sig, shift=True,
    )


POTENTIALS = {"ka2d": ka2d, "ka3d": ka3d, "ka3d_lj": ka3d_lj, "ka3d_wca": ka3d_wca}


def get_potential(name: str) -> PairPotential:
    """A named potential of the seeds: ka2d, ka3d, ka3d_lj, ka3d_wca."""
    try:
        return POTENTIALS[name]()
    except KeyError:
        raise ValueError(f"unknown potential {name!r}; known: {sorted(POTENTIALS)}") from None
