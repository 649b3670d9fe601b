"""GlassMLP physics-informed descriptors (seed 000): K = 4 per-particle fields, coarse-grained.

Per-particle fields, computed on the inherent structure:
    E_pot   : per-particle potential energy 1/2 sum_j V_ij (LAMMPS pe/atom convention)
    voronoi : Voronoi cell perimeter (2D) or surface area (3D) (freud, periodic box)
    density : the constant 1 (its coarse-grained value is the local density)
    E_var   : (E_pot^i - <E_pot>_species(i))^2, the squared deviation from the mean energy of the
              particle's species in the configuration (the seed's "variance of the potential energy")
Each is coarse-grained (:mod:`glassdyn.structure.coarse_grain`) over the lengths L = 0, 0.5, ..., 7.5
for every species and for all particles: K x 16 x (M + 1) = 256 descriptors for KA2D (M = 3).
Without a potential (colloids, external data) the energy fields are omitted: 2 x 16 x (M + 1).

Feature order: field-major, then length, then species channel (last channel = all particles);
``names`` spells every column, e.g. "E_pot|L=0.5|species=2" or "density|L=3|all".
"""
from __future__ import annotations

import numpy as np

from ..systems.configuration import Configuration
from .coarse_grain import DEFAULT_LENGTHS, coarse_grain

__all__ = ["GlassMLPDescriptors", "voronoi_measure"]


def voronoi_measure(configuration: Configuration) -> np.ndarray:
    """Voronoi cell perimeter (2D) or surface area (3D) of every particle (N,), via freud.

    freud's Voronoi neighbour list carries the shared edge length (2D) / face area (3D) as weights.
    """
    import freud

    vor = freud.locality.Voronoi()
    vor.compute((configuration.freud_box(), configuration.freud_points()))
    nl = vor.nlist
    return np.bincount(nl.query_point_indices, weights=nl.weights, minlength=configuration.n_particles)


class GlassMLPDescriptors:
    """freud-style: ``GlassMLPDescriptors(...).compute(inherent, potential)`` then ``.features``.

    Parameters
    ----------
    lengths : coarse-graining lengths (default 0, 0.5, ..., 7.5).
    cutoff_factor, r_max : truncation of the coarse-graining (see coarse_grain); r_max defaults to
        half the smallest box length; pass the training box's value when transferring models.
    n_species : number of species channels (default: from the potential, else from the types).
    """

    def __init__(self, lengths=DEFAULT_LENGTHS, cutoff_factor: float = 10.0, r_max: float | None = None,
                 n_species: int | None = None):
        self.lengths = tuple(float(x) for x in lengths)
        self.cutoff_factor = float(cutoff_factor)
        self.r_max = r_max
        self.n_species = n_species
        self.features = None
        self.names = None
        self.fields = None

    def compute(self, configuration: Configuration, potential=None,
                per_particle_energy: np.ndarray | None = None) -> "GlassMLPDescriptors":
        """Descriptors of ``configuration`` (ideally an inherent structure).

        Energies come from ``per_particle_energy`` if given, else from ``potential`` (numpy
        reference); with neither, the energy fields are left out.
        """
        m = self.n_species
        if m is None:
            m = potential.n_species if potential is not None else int(configuration.types.max()) + 1
        if configuration.types.max() >= m:
            raise ValueError(f"configuration has species index {configuration.types.max()} but "
                             f"n_species = {m}")
        fields, names = [], []
        energy = None
        if per_particle_energy is not None:
            energy = np.asarray(per_particle_energy, dtype=float)
            if energy.shape != (configuration.n_particles,):
                raise ValueError("per_particle_energy must have shape (N,)")
        elif potential is not None:
            energy = potential.compute(configuration).per_particle
        if energy is not None:
            fields.append(energy)
            names.append("E_pot")
        fields.append(voronoi_measure(configuration))
        names.append("voronoi_perimeter" if configuration.dimension == 2 else "voronoi_surface")
        fields.append(np.ones(configuration.n_particles))
        names.append("density")
        if energy is not None:
            means = np.array([energy[configuration.types == a].mean() if np.any(configuration.types == a)
                              else 0.0 for a in range(m)])
            fields.append((energy - means[configuration.types]) ** 2)
            names.append("E_var")
        values = np.stack(fields, axis=1)
        cg = coarse_grain(configuration.positions, configuration.box, configuration.types, values,
                          self.lengths, n_species=m, cutoff_factor=self.cutoff_factor, r_max=self.r_max)
        # (N, L, channel, K) -> field-major columns
        self.features = np.ascontiguousarray(cg.transpose(0, 3, 1, 2).reshape(configuration.n_particles, -1))
        channels = [f"species={a}" for a in range(m)] + ["all"]
        self.names = [f"{f}|L={L:g}|{c}" for f in names for L in self.lengths for c in channels]
        self.fields = dict(zip(names, fields))
        return self

    def definition(self) -> dict:
        """What a trained model must match: the descriptor definition (provenance)."""
        return dict(kind="glassmlp", lengths=list(self.lengths), cutoff_factor=self.cutoff_factor,
                    r_max=self.r_max, n_species=self.n_species, names=self.names)

    def plot(self, configuration: Configuration, column: int | str = 0, ax=None):
        """Scatter plot of one descriptor column over the particle positions (2D)."""
        import matplotlib.pyplot as plt

        if self.features is None:
            raise RuntimeError("call compute() first")
        idx = self.names.index(column) if isinstance(column, str) else int(column)
        ax = ax or plt.gca()
        sc = ax.scatter(configuration.positions[:, 0], configuration.positions[:, 1],
                        c=self.features[:, idx], s=8, cmap="viridis")
        ax.set_aspect("equal")
        ax.set_title(self.names[idx])
        plt.colorbar(sc, ax=ax)
        return ax
