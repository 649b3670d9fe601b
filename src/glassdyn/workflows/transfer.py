"""Transfer of trained models to a much larger system of the same model (paper Fig. 4): no MD
labels, S4(q, t) of the predictions down to q = 2 pi / L_large, with the xi / A fit.

``transfer(models_folder, tile=2)`` -> :class:`Transfer` (``plot``, ``save``, ``table``).
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from ..dynamics.heterogeneity import fit_s4, four_point_structure_factor
from ..dynamics.propensity import LABELS
from ..results import Result
from ..systems.presets import SystemPreset
from .learning import _predict, load_models, model_descriptor

__all__ = ["check_transferable", "transfer", "Transfer"]

log = logging.getLogger(__name__)


def check_transferable(meta: dict) -> None:
    """Refuse to apply a model to a larger box when its descriptors depend on the training box: with
    a cut-off beyond half the training box (the reference's 20 in KA2D's 32.9 box) the small box sees
    each partner once, at its minimum image, a large box the full disc; the unnormalised density at
    L = 7.5 then shifts by 19 training standard deviations (measured) and predictions lose their
    meaning (rho 0.12 between a 2 x 2 tiling and the original, measured)."""
    half = 0.5 * min(json.loads(meta["system"])["box"])
    cutoff = getattr(model_descriptor(meta), "cutoff", 0.0)
    if cutoff > half * (1 + 1e-9):
        raise ValueError(f"these models' descriptors (cut-off {cutoff:g} > half the training box, {half:.6g}) depend "
                         f"on the box size: predictions on a larger system would be extrapolations far outside the "
                         f"training data; for transfer train with `glassdyn train --cutoff {half:.6g}`")


def transfer(folder, tile: int = 2, n_configurations: int = 4, seed: int = 0, window_steps: int = 2000,
             max_windows: int = 60, q_max: float = 1.5, temperature: float | None = None, times=None,
             store=None, tau: float | None = None, s4_fit: str = "unweighted") -> "Transfer":
    """Apply trained models to a ``tile``^d times larger system of the same model, no MD labels.

    The large system is equilibrated at the training temperature with the campaign tools
    (:func:`~glassdyn.workflows.equilibrate.equilibrate`, MD + swap for KA2D), quenched, described
    with the model's descriptor definition, and predicted; S4(q, t) down to q = 2 pi / L_large is computed from
    the predictions and fitted.  ``store``: a store of large equilibrated configurations instead
    (``glassdyn simulate`` with ``tile`` and ``n_replicas = 0``; its temperature and inherent
    structures).  A temperature-transferable folder predicts at ``temperature`` (default the
    store's) and ``times`` (and ``tau`` for a t/tau time input).  ``s4_fit``: "unweighted" (default)
    or "counting" (each shell weighted by its counting error, ``fit_s4(counts=...)``).
    """
    from ..io.stores import read_store
    from ..systems.configuration import Configuration
    from .equilibrate import equilibrate
    from .inherent import inherent_structure

    if s4_fit not in ("unweighted", "counting"):
        raise ValueError(f"s4_fit must be 'unweighted' or 'counting', not {s4_fit!r}")
    meta, models = load_models(folder)
    system_dict = json.loads(meta["system"])
    check_transferable(meta)
    base = SystemPreset.from_dict(system_dict).untiled()
    transferable = meta.get("kind") == "transferable"
    t0 = time.perf_counter()
    if store is not None:
        data = read_store(store)
        if data.inherent is None:
            raise ValueError(f"{store}: no inherent structures (run the campaign with quenches)")
        big = SystemPreset.from_dict(data.system)
        if big.potential.to_dict() != base.potential.to_dict():
            raise ValueError(f"{store}: another potential than the models' training system")
        T = data.temperature if temperature is None else float(temperature)
        if not np.isclose(T, data.temperature):
            raise ValueError(f"{store} holds configurations at T = {data.temperature:g}, not {T:g}")
        _check_temperature(meta, T)
        inh = [(Configuration(x, data.types, data.box), e) for x, e in zip(data.inherent, data.energy_per_particle)]
        t_eq, params_source = 0.0, dict(store=str(store))
    else:
        big = base.tiled(tile)
        T = float(meta["temperature"] if temperature is None else temperature)
        _check_temperature(meta, T)
        log.info(f"transfer: {big.name} N = {big.n_particles}, L = {big.box[0]:.4g}, T = {T}")
        # tau measured at the training system's wave number (the default scales with the box)
        k = 2 * np.pi * 32 / base.box[0]
        confs, info = equilibrate(big, T, n_configurations, seed=seed, window_steps=window_steps,
                                  max_windows=max_windows, k=k)
        t_eq = time.perf_counter() - t0
        log.info(f"  equilibrated {n_configurations} configurations in {t_eq:.0f} s ({info['windows']} windows)")
        inh = [(q.configuration, q.per_particle_energy) for q in (inherent_structure(c, big.potential) for c in confs)]
        params_source = dict(tile=tile, n_configurations=n_configurations, window_steps=window_steps,
                             max_windows=max_windows)
    state, notes = None, []
    if transferable:
        if not times:
            raise ValueError("a temperature-transferable model needs the times to predict at")
        from .transferable import resolve_state

        state = dict(temperature=T, times=[float(t) for t in times], tau=tau)
        notes = resolve_state(meta, models["transferable"][0], state)[3]
    out_times = meta["times"] if state is None else state["times"]
    desc = model_descriptor(meta)
    feats = np.array([desc.compute(c, big.potential, per_particle_energy=e).features for c, e in inh])
    types = inh[0][0].types  # shared by all: equilibrate() and stores order particles by species
    preds = _predict(meta, models, feats, [c.types for c, _ in inh], desc.definition(), state=state)
    mask = types == meta["species"]
    pos = np.array([c.positions for c, _ in inh])
    smooth = None
    if LABELS.get(meta["label"]).observable == "overlap":
        from ..dynamics.heterogeneity import smooth_overlap as smooth
    s4, fits = {}, {}
    for kind, p in preds.items():
        s4[kind], fits[kind] = [], []
        for j in range(p.shape[1]):
            f = p[:, j] if smooth is None else smooth(p[:, j])
            f = np.where(mask[None, :], f, 0.0)
            q, s, counts = four_point_structure_factor(pos, f, big.box, mask, q_max=q_max)
            s4[kind].append((q, s, counts))
            try:
                fits[kind].append(fit_s4(q, s, counts=len(pos) * counts if s4_fit == "counting" else None))
            except (RuntimeError, ValueError):
                fits[kind].append(None)
    params = dict(models=str(folder), q_max=q_max, s4_fit=s4_fit, system=big.to_dict(), temperature=T,
                  times=list(out_times), extrapolation=notes, **params_source)
    result = Transfer(big, out_times, pos, types, preds, s4, fits, time.perf_counter() - t0, t_eq, params,
                      [folder] + ([store] if store is not None else []))
    result.seeds = seed
    return result


def _check_temperature(meta: dict, T: float) -> None:
    """Models of one temperature predict at that temperature only."""
    if meta.get("kind") != "transferable" and not np.isclose(T, meta["temperature"]):
        raise ValueError(f"these models were trained at T = {meta['temperature']:g}: a larger system at T = {T:g} "
                         "needs a temperature-transferable model (glassdyn train --transferable)")


class Transfer(Result):
    """Predictions on the large system: ``predictions`` {kind: (S, T, N)}, inherent positions
    (S, N, d), ``s4`` {kind: [(q, S4, wave vectors per shell and configuration) per time]}, ``fits``
    {kind: [S4Fit or None per time]}."""

    name = "transfer"
    figure = "transfer_s4"

    def __init__(self, system, times, positions, types, predictions, s4, fits, seconds, equilibration_seconds,
                 parameters, inputs=()):
        self.system, self.times, self.positions, self.types = system, times, positions, types
        self.predictions, self.s4, self.fits = predictions, s4, fits
        self.seconds, self.equilibration_seconds = seconds, equilibration_seconds
        self.parameters, self.inputs = parameters, tuple(inputs)

    def arrays(self) -> dict:
        return dict(times=np.asarray(self.times), positions=self.positions, types=self.types,
                    box=np.asarray(self.system.box), **self.predictions)

    def rows(self) -> list:
        """One table row per model and time; a fit that does not fix xi (``S4Fit.determined``) says so."""
        out = []
        for kind in self.s4:
            for j, fit in enumerate(self.fits[kind]):
                fitted = (f"{fit.chi4:.3g} | {fit.xi:.3g} +- {fit.xi_err:.2g} | {fit.A:.3g}"
                          if fit is not None and fit.determined else "- | undetermined | -")
                out.append(f"| {kind} | {self.times[j]:.4g} | {self.s4[kind][j][1][0]:.3g} | {fitted} |")
        return out

    def table(self) -> str:
        return "| model | t | S4(q_min) | chi4~ | xi | A |\n|---|---|---|---|---|---|\n" + "\n".join(self.rows())

    def summary(self) -> str:
        notes = [f"EXTRAPOLATION: {n}" for n in self.parameters.get("extrapolation", [])]
        return (f"transfer to N = {self.system.n_particles} at T = {self.parameters['temperature']:g} in "
                f"{self.seconds:.0f} s (equilibration {self.equilibration_seconds:.0f} s)\n"
                + "\n".join(notes + self.rows()))

    def plot(self, ax=None):
        """S4(q) of every model at the time where the predicted S4 at the smallest q is largest."""
        ax = self._axes(ax, 5.0, 3.8)
        kinds = list(self.s4)
        j = int(np.argmax([np.mean([self.s4[k][jj][1][0] for k in kinds]) for jj in range(len(self.times))]))
        for kind in kinds:
            q, s4, _ = self.s4[kind][j]
            line, = ax.plot(q, s4, "o", ms=4, label=kind)
            fit = self.fits[kind][j]
            if fit is not None and fit.determined:
                qq = np.linspace(q.min(), q.max(), 200)
                ax.plot(qq, fit(qq), color=line.get_color(), lw=1, label=rf"  $\xi$ = {fit.xi:.2f}, A = {fit.A:.2f}")
        ax.set(xscale="log", yscale="log", xlabel="q", ylabel=f"S4(q, t={self.times[j]:.3g}) (predicted)",
               title=f"{self.system.name}, N = {self.system.n_particles}")
        ax.legend(fontsize=7)
        return ax

    def save(self, folder) -> Path:
        """transfer.npz, transfer_s4.png and transfer.md."""
        from ..io.provenance import save_text

        path = super().save(folder)
        save_text(Path(folder) / "transfer.md", self.table(), parameters=self.parameters, seeds=self.seeds,
                  inputs=self.inputs)
        return path
