"""``glassdyn simulate``: preset -> equilibrated configurations -> inherent structures -> propensities.

Presets are TOML files (``glassdyn/configs/*.toml``, also reachable as ``configs/`` in the source
tree) with sections [system], [equilibration], [campaign]; they are validated completely before
any simulation starts.  Every stage persists atomically next to the store, so rerunning the same
command after a crash resumes: equilibrated configurations and inherent structures in
``<store>.units/configurations.npz``, then the replica units (see :mod:`.campaign`).
"""
from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np

from ..systems.configuration import Configuration
from ..systems.presets import SYSTEMS, get_system
from .campaign import Campaign, CampaignSpec
from .executor import atomic_savez
from .equilibrate import equilibrate
from .inherent import inherent_structure
from .isoconfigurational import log_steps

__all__ = ["load_preset", "simulate"]


def load_preset(name_or_path) -> dict:
    """A preset by name (quick, ka2d-paper, ka3d-paper, collective) or path, validated; returns the dict."""
    path = Path(str(name_or_path))
    if not path.exists():
        candidate = resources.files("glassdyn") / "configs" / f"{name_or_path}.toml"
        if not candidate.is_file():
            known = sorted(p.name[:-5] for p in (resources.files("glassdyn") / "configs").iterdir()
                           if p.name.endswith(".toml"))
            raise ValueError(f"unknown preset {name_or_path!r}; known: {known} (or a .toml path)")
        text = candidate.read_text()
    else:
        text = path.read_text()
    try:
        preset = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"preset {name_or_path}: invalid TOML ({exc})") from None
    if "library" in preset:
        from .state_library import library_states

        try:
            library_states(preset)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"preset {name_or_path}: {exc}") from None
    else:
        _validate(preset, str(name_or_path))
    return preset


def _validate(p: dict, where: str) -> None:
    def need(section, key, kind, check=None, msg=""):
        try:
            v = p[section][key]
        except KeyError:
            raise ValueError(f"preset {where}: missing [{section}] {key}") from None
        if not isinstance(v, kind) or isinstance(v, bool) and kind is not bool:
            raise ValueError(f"preset {where}: [{section}] {key} must be {kind.__name__ if isinstance(kind, type) else kind}")
        if check is not None and not check(v):
            raise ValueError(f"preset {where}: [{section}] {key} = {v!r} {msg}")
        return v

    name = need("system", "name", str, lambda v: v in SYSTEMS, f"is not one of {sorted(SYSTEMS)}")
    system = get_system(name, **p["system"].get("kwargs", {}))
    need("equilibration", "temperature", (int, float), lambda v: v > 0, "must be positive")
    need("equilibration", "window_steps", int, lambda v: v >= 100, "must be >= 100")
    need("equilibration", "max_windows", int, lambda v: v >= 3, "must be >= 3")
    need("equilibration", "spacing", (int, float), lambda v: v > 0, "must be positive")
    need("campaign", "n_configurations", int, lambda v: v >= 1, "must be >= 1")
    need("campaign", "n_replicas", int, lambda v: v >= 1, "must be >= 1")
    t_max = need("campaign", "t_max", (int, float), lambda v: v > 0, "must be positive")
    need("campaign", "n_times", int, lambda v: v >= 2, "must be >= 2")
    if t_max / system.dt < 1:
        raise ValueError(f"preset {where}: t_max = {t_max} is shorter than one time step {system.dt}")
    counts = p["system"].get("counts")
    if counts is not None and list(counts) != list(system.counts):
        raise ValueError(f"preset {where}: counts {counts} do not match system {name} {list(system.counts)} "
                         f"(N = {system.n_particles})")


def simulate(preset: dict, store, workers: int = 1, scheduler=None, progress: bool = True,
             max_units: int | None = None, log=print) -> Path:
    """Run (or resume) a preset's campaign into ``store``; returns the store path when complete.

    A preset with a ``[library]`` section runs the seed-003 state-point library instead
    (:class:`~glassdyn.workflows.state_library.StateLibrary`).
    """
    store = Path(store)
    if "library" in preset:
        from .state_library import StateLibrary, library_states

        lib = StateLibrary(library_states(preset), store, attrs=dict(preset=json.dumps(preset)))
        log(f"state-point library: {len(lib.states)} states, {len(lib.pending())} pending")
        lib.run(workers=workers, scheduler=scheduler, progress=progress, max_units=max_units)
        pending = len(lib.pending())
        log(f"complete: {store}" if not pending else
            f"{pending} states still pending: rerun the same command to continue")
        return store
    sysp = preset["system"]
    system = get_system(sysp["name"], **sysp.get("kwargs", {}))
    eq = preset["equilibration"]
    cp = preset["campaign"]
    T = float(eq["temperature"])
    steps = log_steps(float(cp["t_max"]), system.dt, int(cp["n_times"]))
    spec = CampaignSpec(system=sysp["name"], temperature=T, n_replicas=int(cp["n_replicas"]),
                        steps=steps.tolist(), seed=int(cp.get("seed", 0)),
                        replicas_per_unit=int(cp.get("replicas_per_unit", 0)),
                        system_kwargs=dict(sysp.get("kwargs", {})))
    units = Path(str(store) + ".units")
    units.mkdir(parents=True, exist_ok=True)
    conf_file = units / "configurations.npz"
    S = int(cp["n_configurations"])
    if conf_file.exists():
        with np.load(conf_file) as d:
            if json.loads(str(d["spec"])) != json.loads(spec.to_json()):
                raise ValueError(f"{conf_file} belongs to a different campaign; choose another store")
            if eq.get("swap") and "species_sorted" not in d.files:
                raise ValueError(f"{conf_file} was written before glassdyn kept each swap-equilibrated "
                                 "configuration's own species assignment (its campaign ran configurations "
                                 "1.. with configuration 0's species): delete this store folder and rerun")
            positions, types, box = d["positions"], d["types"], d["box"]
            inherent, energies = d["inherent"], d["energy_per_particle"]
            info = json.loads(str(d["equilibration"]))
        log(f"resuming: {S} equilibrated configurations and inherent structures from {conf_file}")
    else:
        log(f"equilibrating {system.name} N={system.n_particles} at T={T} ...")
        confs, info = equilibrate(system, T, S, seed=spec.seed, swap=eq.get("swap"),
                                  window_steps=int(eq["window_steps"]), max_windows=int(eq["max_windows"]),
                                  spacing=float(eq["spacing"]),
                                  progress=(lambda w, e, tau: log(f"  window {w}: E/N = {e:.5f}, tau = {tau:.4g}"))
                                  if progress else None)
        log(f"  stationary after {info['windows']} windows; tau = {info['tau']:.4g}, "
            f"configurations every {info['spacing_steps']} steps")
        inh = [inherent_structure(c, system.potential) for c in confs]
        positions = np.array([c.positions for c in confs])
        types = confs[0].types  # shared: equilibrate() returns particles ordered by species
        box = confs[0].box
        inherent = np.array([i.configuration.positions for i in inh])
        energies = np.array([i.per_particle_energy for i in inh])
        atomic_savez(conf_file, positions=positions, types=types, box=box, inherent=inherent,
                      energy_per_particle=energies, spec=spec.to_json(), equilibration=json.dumps(info),
                      species_sorted=True)
    configurations = [Configuration(x, types, box) for x in positions]
    campaign = Campaign(spec, configurations, store, inherent=list(zip(inherent, energies)),
                        attrs=dict(equilibration=json.dumps(info), preset=json.dumps(preset)))
    log(f"propensities: {S} configurations x {spec.n_replicas} replicas to t = {steps[-1] * system.dt:g}, "
        f"{len(campaign.pending())} units pending")
    campaign.run(workers=workers, scheduler=scheduler, progress=progress, max_units=max_units)
    if campaign.pending():
        log(f"{len(campaign.pending())} units still pending: rerun the same command to continue")
        return store
    log(f"complete: {store}")
    return store
