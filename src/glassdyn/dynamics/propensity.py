"""Per-particle dynamical labels: bond breaking C_B^i(t) and displacements (seed 000).

Bond breaking: the n_0^i initial neighbours j of i are those with R_ij(0) < r_in sigma_ab
(r_in = 1.4); n_t^i counts those still within r_out sigma_ab (r_out = 1.8) at time t;
C_B^i(t) = n_t^i / n_0^i, so C_B(0) = 1 and a frozen system keeps C_B = 1.  Distances use the
minimum image, so wrapped or unwrapped positions give the same result.

Displacement: |r_i(t) - r_i(0)| from unwrapped positions, with the centre-of-mass drift removed by
default; ``cage_relative=True`` subtracts instead the mean displacement of i's initial neighbours
(removes the long-wavelength, Mermin-Wagner motion of 2D systems).

Isoconfigurational propensities are the replica averages of these labels.
"""
from __future__ import annotations

import numpy as np

from ..systems.configuration import Configuration

__all__ = ["BondBreaking", "displacement", "initial_neighbors"]


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
        if initial.types.max() >= self.sigma.shape[0]:
            raise ValueError("configuration has species unknown to sigma")
        i, j = initial_neighbors(initial, self.sigma, self.r_in)
        n = initial.n_particles
        n0 = np.bincount(i, minlength=n).astype(float)
        limit2 = (self.r_out * self.sigma[initial.types[i], initial.types[j]]) ** 2
        out = np.empty((frames.shape[0], n))
        with np.errstate(invalid="ignore", divide="ignore"):
            for f, x in enumerate(frames):
                dr = initial.minimum_image(x[j] - x[i])
                kept = np.einsum("pd,pd->p", dr, dr) < limit2
                out[f] = np.bincount(i, weights=kept, minlength=n) / n0
        self.values = out[0] if single else out
        self.n0 = n0
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
