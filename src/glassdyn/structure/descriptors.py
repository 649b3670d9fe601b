"""GlassMLP physics-informed descriptors (Jung 2023), as the reference program defines them.

Computed on the inherent structure.  Per-particle fields:
    e_i : potential energy 1/2 sum_j V(r_ij) (LAMMPS pe/atom convention)
    p_i : perimeter (2D) or surface area (3D) of the particle's radical Voronoi cell, radius
          sigma_aa / 2 per species (:mod:`glassdyn.structure.voronoi`)
For every partner set beta (each species, then all particles) and length L = 0, 0.5, ..., 7.5,
with weights w_ij = exp(-r_ij / L) over partners at r_ij < r_c = 20, j = i included
(:mod:`glassdyn.structure.coarse_grain`):
    density   DEN  = sum_j w_ij
    E_pot     EPOT = sum_j w_ij e_j / sum_j w_ij
    perimeter PERI = sum_j w_ij p_j / sum_j w_ij           ("surface" in 3D)
    E_var     VAR  = sum_j w_ij (e_j - EPOT)^2 / sum_j w_ij  (about the local weighted mean)
K x 16 x (M + 1) = 256 columns for KA2D (M = 3).  This is StructDynGlass's definition (the code
behind Jung 2023), reproduced to its 6-digit output for every L > 0 (tests on its own sample).

L = 0 (only j = i): DEN = 1 in the particle's own species channel and in "all", 0 elsewhere;
EPOT / PERI = the particle's own value in those channels and 0 in the others (an average over an
empty set); VAR = 0.  (The reference's L = 0 columns differ in ways its README calls quirks.)

Without a potential (colloids, external data) the energy fields are left out: 2 x 16 x (M + 1).
Column order is the reference's: field, then channel, then length; ``names`` spells each column,
e.g. "E_pot|species=2|L=0.5" or "density|all|L=3".
"""
from __future__ import annotations

import numpy as np

from ..registry import Registry
from ..systems.configuration import Configuration
from .coarse_grain import DEFAULT_LENGTHS, REFERENCE_CUTOFF, coarse_grain
from .voronoi import species_radii, voronoi_measure

__all__ = ["GlassMLPDescriptors", "voronoi_measure", "DEFINITION_KIND", "check_definition", "DESCRIPTORS",
           "descriptor_from_definition"]

DEFINITION_KIND = "glassmlp-jung2023"

#: descriptor kinds by the ``kind`` of their ``definition()``.  A descriptor class offers
#: ``compute(configuration, potential=None, per_particle_energy=None)`` (sets ``features`` (N, M)
#: and ``names``), ``definition()`` (a JSON dict with ``kind``) and ``from_definition(dict)``.
DESCRIPTORS = Registry("descriptor")


def descriptor_from_definition(definition: dict):
    """The descriptor a trained model's recorded ``definition`` describes, ready to ``compute``."""
    kind = (definition or {}).get("kind")
    if kind not in DESCRIPTORS:
        raise ValueError(f"models were trained on descriptors of kind {kind!r}; this glassdyn computes "
                         f"{', '.join(DESCRIPTORS.names())}: retrain them")
    return DESCRIPTORS.get(kind).from_definition(definition)


def check_definition(expected: dict | None, given: dict | None) -> None:
    """Refuse descriptors whose definition differs from the one a model was trained on, naming the
    differing keys.  Either being None (an unrecorded definition) passes."""
    if expected is None or given is None:
        return
    import json

    a, b = json.loads(json.dumps(expected)), json.loads(json.dumps(given))  # tuples vs lists, numpy
    if a != b:
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        raise ValueError(f"descriptor definition differs from the one the model was trained on "
                         f"(differing: {', '.join(keys)}; model {a.get('kind')}, input {b.get('kind')})")


@DESCRIPTORS.register(DEFINITION_KIND)
class GlassMLPDescriptors:
    """freud-style: ``GlassMLPDescriptors(...).compute(inherent, potential)`` then ``.features``
    (N, n_columns) and ``.names``.

    Parameters
    ----------
    lengths : coarse-graining lengths (default 0, 0.5, ..., 7.5).
    cutoff : partners at minimum-image r_ij < cutoff count (default 20, the reference's).
    n_species : number of species channels (default: from the potential, else from the types).
    radii : per-species radii of the radical Voronoi tessellation (default sigma_aa / 2 from the
        potential; without a potential, plain Voronoi).
    """

    def __init__(self, lengths=DEFAULT_LENGTHS, cutoff: float = REFERENCE_CUTOFF, n_species: int | None = None,
                 radii=None):
        self.lengths = tuple(float(x) for x in lengths)
        self.cutoff = float(cutoff)
        self.n_species = n_species
        self.radii = None if radii is None else tuple(float(r) for r in radii)
        self.features = None
        self.names = None
        self.fields = None

    def compute(self, configuration: Configuration, potential=None,
                per_particle_energy: np.ndarray | None = None) -> "GlassMLPDescriptors":
        """Descriptors of ``configuration`` (ideally an inherent structure).

        Energies come from ``per_particle_energy`` if given, else from ``potential`` (numpy
        reference); with neither, the energy fields are left out.  The potential also gives the
        radical-Voronoi radii unless ``radii`` was set.
        """
        conf = configuration
        m = self.n_species
        if m is None:
            m = potential.n_species if potential is not None else int(conf.types.max()) + 1
        if conf.types.max() >= m:
            raise ValueError(f"configuration has species index {conf.types.max()} but n_species = {m}")
        energy = None
        if per_particle_energy is not None:
            energy = np.asarray(per_particle_energy, dtype=float)
            if energy.shape != (conf.n_particles,):
                raise ValueError(f"per_particle_energy must have shape ({conf.n_particles},), "
                                 f"got {energy.shape}")
            if not np.all(np.isfinite(energy)):
                raise ValueError("per_particle_energy contains NaN or inf")
        elif potential is not None:
            energy = potential.compute(conf).per_particle
        radii = self.radii
        if radii is None and potential is not None:
            radii = tuple(species_radii(potential).tolist())
        self.radii_used_ = radii
        measure = voronoi_measure(conf, radii)
        geometry = "perimeter" if conf.dimension == 2 else "surface"
        values = [np.ones(conf.n_particles), measure]
        if energy is not None:
            e0 = float(energy.mean())  # centring keeps the variance free of cancellation
            values += [energy - e0, (energy - e0) ** 2]
        sums = coarse_grain(conf.positions, conf.box, conf.types, np.stack(values, axis=1), self.lengths,
                            n_species=m, cutoff=self.cutoff)  # (N, n_L, m + 1, K)
        w = sums[..., 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(w[..., None] > 0, sums[..., 1:] / w[..., None], 0.0)
        out = {"density": w, geometry: mean[..., 0]}
        if energy is not None:
            out["E_pot"] = mean[..., 1] + e0 * (w > 0)
            out["E_var"] = np.maximum(mean[..., 2] - mean[..., 1] ** 2, 0.0)
            out["E_var"][:, np.asarray(self.lengths) == 0] = 0.0
            order = ["density", "E_pot", geometry, "E_var"]
        else:
            order = ["density", geometry]
        channels = [f"species={a}" for a in range(m)] + ["all"]
        # (N, n_L, channel) per field -> columns field, channel, length
        self.features = np.ascontiguousarray(
            np.stack([out[f].transpose(0, 2, 1) for f in order], axis=1).reshape(conf.n_particles, -1))
        self.names = [f"{f}|{c}|L={L:g}" for f in order for c in channels for L in self.lengths]
        self.fields = {"E_pot": energy, geometry: measure} if energy is not None else {geometry: measure}
        return self

    @classmethod
    def from_definition(cls, definition: dict) -> "GlassMLPDescriptors":
        radii = definition.get("radii")
        return cls(lengths=definition["lengths"], cutoff=definition["cutoff"], n_species=definition["n_species"],
                   radii=radii)

    def definition(self) -> dict:
        """What a trained model must match: the descriptor definition (provenance)."""
        if self.names is None:
            raise RuntimeError("call compute() first")
        return dict(kind=DEFINITION_KIND, lengths=list(self.lengths), cutoff=self.cutoff,
                    n_species=self.n_species, radii=None if self.radii_used_ is None else list(self.radii_used_),
                    names=self.names)

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
