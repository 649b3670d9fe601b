"""Per-particle dynamical labels: bond breaking C_B^i(t) and displacements (Jung 2023).

Bond breaking: the n_0^i initial neighbours j of i are those with R_ij(0) < r_in sigma_ab
(r_in = 1.4); n_t^i counts those still within r_out sigma_ab (r_out = 1.8) at time t;
C_B^i(t) = n_t^i / n_0^i, so C_B(0) = 1 and a frozen system keeps C_B = 1.  Distances use the
minimum image, so wrapped or unwrapped positions give the same result.

Displacement: |r_i(t) - r_i(0)| from unwrapped positions, with the centre-of-mass drift removed by
default; ``cage_relative=True`` subtracts instead the mean displacement of i's initial neighbours
(removes the long-wavelength, Mermin-Wagner motion of 2D systems).

Isoconfigurational propensities are the replica averages of these labels.  The campaigns record
every label of the :data:`LABELS` registry on the fly: ``LABELS.get(name)(initial, potential)`` is a
streaming label, ``label(x, x0) -> (N,)`` for unwrapped positions x at t and x0 at t = 0.  A new
label is one class with that signature (and an ``observable``, the field GlassMLP's variance and
C(d) loss terms see) registered with ``@LABELS.register("name")``.
"""
from __future__ import annotations

import numpy as np

from ..registry import Registry
from ..systems.configuration import Configuration

__all__ = ["BondBreaking", "displacement", "initial_neighbors", "LABELS", "BondBreakingLabel",
           "DisplacementLabel"]

LABELS = Registry("label")


def initial_neighbors(configuration: Configuration, sigma, r_in: float = 1.4):
    """Ordered pairs (i, j) with R_ij < r_in sigma_{t_i t_j} (both directions)."""
    import freud

    sigma = np.asarray(sigma, dtype=float)
    r_max = r_in * float(sigma.max())
    nl = (freud.locality.AABBQuery(configuration.freud_box(), configuration.freud_points())
          .query(configuration.freud_points(), dict(r_max=r_max * (1 + 1e-5), exclude_ii=True))
          .toNeighborList())
    i = np.asarray(nl.query_point_indices, dtype=np.int64)
    j = np.asarray(nl.point_indices, dtype=np.int64)
    dr = configuration.minimum_image(configuration.positions[j] - configuration.positions[i])
    r = np.linalg.norm(dr, axis=1)
    keep = r < r_in * sigma[configuration.types[i], configuration.types[j]]
    return i[keep], j[keep]


class _BondSurvival:
    """C_B^i of positions x (N, d): initial neighbours found once, survival within r_out sigma_ab."""

    def __init__(self, initial: Configuration, sigma, r_in: float, r_out: float):
        sigma = np.asarray(sigma, dtype=float)
        if initial.types.max() >= sigma.shape[0]:
            raise ValueError("configuration has species unknown to sigma")
        self.initial = initial
        self.i, self.j = initial_neighbors(initial, sigma, r_in)
        self.n0 = np.bincount(self.i, minlength=initial.n_particles).astype(float)
        self.limit2 = (r_out * sigma[initial.types[self.i], initial.types[self.j]]) ** 2

    def __call__(self, x) -> np.ndarray:
        dr = self.initial.minimum_image(x[self.j] - x[self.i])
        kept = np.einsum("pd,pd->p", dr, dr) < self.limit2
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(self.i, weights=kept, minlength=self.n0.size) / self.n0


class BondBreaking:
    """freud-style bond-breaking correlation: ``BondBreaking(sigma).compute(initial, frames)``.

    Parameters
    ----------
    sigma : (M, M) interaction diameters sigma_ab (e.g. ``potential.sigma``).
    r_in, r_out : neighbour criterion at t = 0 and survival criterion at t (units of sigma_ab).
    """

    def __init__(self, sigma, r_in: float = 1.4, r_out: float = 1.8):
        self.sigma = np.asarray(sigma, dtype=float)
        if r_out < r_in:
            raise ValueError("r_out must be >= r_in")
        self.r_in, self.r_out = float(r_in), float(r_out)
        self.values = None
        self.n0 = None

    def compute(self, initial: Configuration, frames) -> "BondBreaking":
        """C_B^i for every frame: frames (T, N, d) or (N, d) positions; ``values`` is (T, N).

        Particles without initial neighbours (n_0 = 0) get NaN.
        """
        frames = np.asarray(frames, dtype=float)
        single = frames.ndim == 2
        frames = frames[None] if single else frames
        if frames.shape[1:] != initial.positions.shape:
            raise ValueError(f"frames must have shape (T, {initial.n_particles}, {initial.dimension})")
        survival = _BondSurvival(initial, self.sigma, self.r_in, self.r_out)
        out = np.array([survival(x) for x in frames])
        self.values = out[0] if single else out
        self.n0 = survival.n0
        return self

    def plot(self, times, species=None, types=None, ax=None):
        """Mean C_B(t) (over particles of ``species`` if given) against time."""
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        vals = np.atleast_2d(self.values)
        mask = np.ones(vals.shape[1], bool) if species is None else (np.asarray(types) == species)
        ax.semilogx(times, np.nanmean(vals[:, mask], axis=1))
        ax.set(xlabel="t", ylabel="C_B(t)")
        return ax


def displacement(initial_positions, frames, box=None, remove_drift: bool = True,
                 cage_relative: bool = False, neighbors=None) -> np.ndarray:
    """|r_i(t) - r_i(0)| (T, N) from unwrapped positions: initial (N, d), frames (T, N, d).

    remove_drift: subtract the mean displacement (centre of mass, equal masses).
    cage_relative: subtract the mean displacement of the initial neighbours ``neighbors = (i, j)``
    (from :func:`initial_neighbors`).  ``box`` is unused for unwrapped input (kept for symmetry).
    """
    x0 = np.asarray(initial_positions, dtype=float)
    xt = np.asarray(frames, dtype=float)
    single = xt.ndim == 2
    xt = xt[None] if single else xt
    if xt.shape[1:] != x0.shape:
        raise ValueError("frames must have shape (T, N, d) matching the initial positions")
    d = xt - x0[None]
    if cage_relative:
        if neighbors is None:
            raise ValueError("cage_relative needs the initial neighbour pairs")
        i, j = neighbors
        n = x0.shape[0]
        count = np.bincount(i, minlength=n)[None, :, None]
        cage = np.stack([np.stack([np.bincount(i, weights=df[j, k], minlength=n)
                                   for k in range(x0.shape[1])], axis=1) for df in d])
        d = d - cage / np.maximum(count, 1)
    elif remove_drift:
        d = d - d.mean(axis=1, keepdims=True)
    out = np.linalg.norm(d, axis=2)
    return out[0] if single else out


@LABELS.register("bond_breaking")
class BondBreakingLabel:
    """Streaming C_B^i(t) (r_in = 1.4, r_out = 1.8 in units of the potential's sigma_ab)."""

    observable = "field"

    def __init__(self, initial: Configuration, potential, r_in: float = 1.4, r_out: float = 1.8):
        self._survival = _BondSurvival(initial, potential.sigma, r_in, r_out)

    def __call__(self, x, x0) -> np.ndarray:
        return self._survival(x)


@LABELS.register("displacement")
class DisplacementLabel:
    """Streaming |r_i(t) - r_i(0)| with the centre-of-mass drift removed."""

    observable = "overlap"

    def __init__(self, initial: Configuration, potential):
        pass

    def __call__(self, x, x0) -> np.ndarray:
        return displacement(x0, x)
