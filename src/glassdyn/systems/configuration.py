"""A validated particle configuration in an orthorhombic periodic box.

Convention: the box is [0, L_x) x [0, L_y) (x [0, L_z)); species are integer indices 0..M-1.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Configuration"]


class Configuration:
    """Positions (N, d), integer species (N,), box lengths (d,), optional velocities (N, d).

    Every argument is checked on construction; bad input raises ``ValueError`` naming the problem.
    Particles outside the box are an error unless ``wrap=True`` is given, which folds them back
    explicitly (periodic images).
    """

    def __init__(self, positions, types, box, velocities=None, *, wrap: bool = False,
                 n_species: int | None = None):
        pos = np.array(positions, dtype=float)
        if pos.ndim != 2 or pos.shape[1] not in (2, 3):
            raise ValueError(f"positions must have shape (N, 2) or (N, 3), got {pos.shape}")
        n, d = pos.shape
        if n == 0:
            raise ValueError("a configuration needs at least one particle")
        box = np.array(box, dtype=float).reshape(-1)
        if box.shape != (d,):
            raise ValueError(f"box must have {d} lengths for {d}D positions, got shape {box.shape}")
        if not np.all(np.isfinite(box)) or np.any(box <= 0):
            raise ValueError(f"box lengths must be finite and positive, got {box}")
        bad = ~np.isfinite(pos)
        if bad.any():
            raise ValueError(f"positions contain NaN or inf (particle {int(np.argwhere(bad)[0, 0])})")
        types_arr = np.asarray(types)
        if types_arr.shape != (n,):
            raise ValueError(f"types must have shape ({n},), got {types_arr.shape}")
        if not np.issubdtype(types_arr.dtype, np.integer):
            if not (np.issubdtype(types_arr.dtype, np.floating)
                    and np.all(types_arr == np.round(types_arr))):
                raise ValueError(f"types must be integer species indices, got dtype {types_arr.dtype}")
        types_arr = types_arr.astype(np.int64)
        if np.any(types_arr < 0):
            raise ValueError(f"unknown species: negative type index {int(types_arr.min())}")
        if n_species is not None and np.any(types_arr >= n_species):
            raise ValueError(
                f"unknown species: type index {int(types_arr.max())} but only {n_species} species"
            )
        outside = (pos < 0) | (pos >= box)
        if outside.any():
            if not wrap:
                k = int(np.argwhere(outside)[0, 0])
                raise ValueError(
                    f"particle {k} at {pos[k]} lies outside the box [0, {box}); "
                    f"pass wrap=True to fold positions into the box"
                )
            pos = np.mod(pos, box)
            pos[pos >= box] = 0.0  # mod can round up to exactly L
        if velocities is not None:
            vel = np.array(velocities, dtype=float)
            if vel.shape != pos.shape:
                raise ValueError(f"velocities must have shape {pos.shape}, got {vel.shape}")
            if not np.all(np.isfinite(vel)):
                raise ValueError("velocities contain NaN or inf")
        else:
            vel = None
        self.positions = pos
        self.types = types_arr
        self.box = box
        self.velocities = vel

    @property
    def n_particles(self) -> int:
        return self.positions.shape[0]

    @property
    def dimension(self) -> int:
        return self.positions.shape[1]

    @property
    def volume(self) -> float:
        return float(np.prod(self.box))

    @property
    def density(self) -> float:
        return self.n_particles / self.volume

    def counts(self, n_species: int | None = None) -> np.ndarray:
        """Number of particles of each species (M,)."""
        m = int(self.types.max()) + 1 if n_species is None else n_species
        return np.bincount(self.types, minlength=m)

    def copy(self, **changes) -> "Configuration":
        args = dict(positions=self.positions, types=self.types, box=self.box,
                    velocities=self.velocities)
        args.update(changes)
        return Configuration(**args)

    def sorted_by_species(self) -> "Configuration":
        """The same configuration with its particles reordered by species (stable).  Swap Monte
        Carlo exchanges species between particles, so configurations sampled along one swap run
        differ in *which* index holds which species; in this order every configuration of a given
        composition shares one species array (the campaign store keeps a single ``types``)."""
        order = np.argsort(self.types, kind="stable")
        return Configuration(self.positions[order], self.types[order], self.box,
                             None if self.velocities is None else self.velocities[order])

    def minimum_image(self, dr: np.ndarray) -> np.ndarray:
        """Fold displacement vectors (..., d) to the nearest periodic image."""
        return dr - self.box * np.round(dr / self.box)

    # freud uses a centred box [-L/2, L/2) and 3-vectors (z = 0 in 2D)
    def freud_box(self):
        import freud

        if self.dimension == 2:
            return freud.box.Box(Lx=self.box[0], Ly=self.box[1], is2D=True)
        return freud.box.Box(Lx=self.box[0], Ly=self.box[1], Lz=self.box[2])

    def freud_points(self) -> np.ndarray:
        pts = np.zeros((self.n_particles, 3))
        pts[:, : self.dimension] = self.positions - 0.5 * self.box
        return pts

    def __repr__(self):
        return (f"Configuration(N={self.n_particles}, d={self.dimension}, box={self.box.tolist()}, "
                f"counts={self.counts().tolist()})")
