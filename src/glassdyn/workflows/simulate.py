"""``glassdyn simulate``: preset -> equilibrated configurations -> inherent structures -> propensities.

Presets are TOML files (shipped in ``glassdyn/configs/``, listed and shown by ``glassdyn presets
list|show NAME``; copy one to edit it) with sections [system], [equilibration], [campaign]; they
are validated completely before any simulation starts.  Every stage persists atomically next to
the store, so rerunning the same command after a crash resumes: equilibrated configurations and
inherent structures in ``<store>.units/``: each equilibration window (``equilibration/``), each
inherent structure (``inherent/``), then ``configurations.npz`` and the replica units (see
:mod:`.campaign`).  Every key of a preset is checked (a misspelled key is an error naming the
nearest valid one); the normalised preset is recorded in ``<store>.units/preset.json`` and a resume
must match it (a campaign of configurations alone may grow ``n_configurations``).
"""
from __future__ import annotations

import json
import logging
from difflib import get_close_matches
from importlib import resources
from pathlib import Path

import numpy as np
import tomllib

from ..engines.base import get_engine
from ..io.atomic import atomic_savez, atomic_write_text
from ..systems.configuration import Configuration
from ..systems.presets import SYSTEMS, SystemPreset, get_system
from .campaign import Campaign, CampaignSpec, read_store, write_store
from .equilibrate import equilibrate
from .executor import OutputLock, remove_stale_temporaries
from .inherent import inherent_structure
from .isoconfigurational import log_steps
from .units import UnitFolder

__all__ = ["load_preset", "simulate", "normalized_preset", "PRESET_KEYS", "preset_names", "preset_text"]

log = logging.getLogger(__name__)


def preset_names() -> dict:
    """The shipped presets: {name: first comment line of the file}."""
    folder = resources.files("glassdyn") / "configs"
    out = {}
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.name.endswith(".toml"):
            first = next((line for line in p.read_text().splitlines() if line.startswith("#")), "# ")
            out[p.name[:-5]] = first.lstrip("# ").strip()
    return out


def preset_text(name: str) -> str:
    """The TOML text of a shipped preset (copy it to edit it: shipped files are read-only data)."""
    candidate = resources.files("glassdyn") / "configs" / f"{name}.toml"
    if not candidate.is_file():
        raise ValueError(f"unknown preset {name!r}; known: {sorted(preset_names())}")
    return candidate.read_text()


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


_REQUIRED = object()
_NUMBER = (int, float)
#: every key a campaign preset may hold: section -> key -> (type, default)
PRESET_KEYS = {
    "system": {"name": (str, _REQUIRED), "kwargs": (dict, {}), "counts": (list, None), "tile": (int, 1)},
    "equilibration": {"temperature": (_NUMBER, _REQUIRED), "window_steps": (int, _REQUIRED),
                      "max_windows": (int, _REQUIRED), "spacing": (_NUMBER, _REQUIRED),
                      "swap": (bool, None)},
    "campaign": {"n_configurations": (int, _REQUIRED), "n_replicas": (int, _REQUIRED),
                 "t_max": (_NUMBER, None), "n_times": (int, None), "seed": (int, 0),
                 "replicas_per_unit": (int, 0), "engine": (str, "lammps"), "device": (str, "cpu"),
                 "precision": (str, "float64")},
}
#: preset keys that may change between a run and its resume without changing any result
RESUMABLE_CHANGES = {("equilibration", "max_windows"), ("campaign", "device")}


def _unknown(key, known, where: str, what: str) -> ValueError:
    close = get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {sorted(known)}"
    return ValueError(f"preset {where}: unknown {what} {key!r}{hint}")


def _validate(p: dict, where: str) -> None:
    for section in p:
        if section not in PRESET_KEYS:
            raise _unknown(section, PRESET_KEYS, where, "section")
        if not isinstance(p[section], dict):
            raise ValueError(f"preset {where}: [{section}] must be a table")
    for section, keys in PRESET_KEYS.items():
        given = p.get(section, {})
        for key in given:
            if key not in keys:
                raise _unknown(key, keys, where, f"key in [{section}]:")
        for key, (kind, default) in keys.items():
            if key not in given:
                if default is _REQUIRED:
                    raise ValueError(f"preset {where}: missing [{section}] {key}")
                continue
            v = given[key]
            kinds = kind if isinstance(kind, tuple) else (kind,)
            if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
                names = " or ".join(k.__name__ for k in kinds)
                raise ValueError(f"preset {where}: [{section}] {key} must be {names}, got {v!r}")
            if isinstance(v, float) and not np.isfinite(v):
                raise ValueError(f"preset {where}: [{section}] {key} must be finite, got {v!r}")

    def check(section, key, ok, msg):
        if key not in p[section]:  # an optional key left to its default
            return
        v = p[section][key]
        if not ok(v):
            raise ValueError(f"preset {where}: [{section}] {key} = {v!r} {msg}")

    check("system", "name", lambda v: v in SYSTEMS, f"is not one of {sorted(SYSTEMS)}")
    kwargs = p["system"].get("kwargs", {})
    check("system", "tile", lambda v: v >= 1, "must be >= 1 (the base system repeated tile times per axis)")
    try:
        system = get_system(p["system"]["name"], **kwargs).tiled(p["system"].get("tile", 1))
    except TypeError as exc:
        raise ValueError(f"preset {where}: [system] kwargs {kwargs} do not fit system "
                         f"{p['system']['name']!r} ({exc})") from None
    check("equilibration", "temperature", lambda v: v > 0, "must be positive")
    check("equilibration", "window_steps", lambda v: v >= 100, "must be >= 100")
    check("equilibration", "max_windows", lambda v: v >= 3, "must be >= 3")
    check("equilibration", "spacing", lambda v: v > 0, "must be positive")
    check("campaign", "n_configurations", lambda v: v >= 1, "must be >= 1")
    check("campaign", "n_replicas", lambda v: v >= 0, "must be >= 0 (0: equilibrated configurations and their "
          "inherent structures alone)")
    if p["campaign"]["n_replicas"] > 0:
        for key in ("t_max", "n_times"):
            if key not in p["campaign"]:
                raise ValueError(f"preset {where}: missing [campaign] {key} (needed for replicas)")
    check("campaign", "t_max", lambda v: v > 0, "must be positive")
    check("campaign", "n_times", lambda v: v >= 2, "must be >= 2")
    check("campaign", "replicas_per_unit", lambda v: v >= 0, "must be >= 0 (0: all replicas in one unit)")
    check("campaign", "seed", lambda v: v >= 0, "must be >= 0")
    engine = {k: p["campaign"].get(k, PRESET_KEYS["campaign"][k][1]) for k in ("engine", "device", "precision")}
    try:
        get_engine(engine["engine"], engine["device"], engine["precision"])
    except ValueError as exc:
        raise ValueError(f"preset {where}: [campaign] engine: {exc}") from None
    t_max = p["campaign"].get("t_max")  # absent for configurations alone (n_replicas = 0)
    if t_max is not None and t_max / system.dt < 1:
        raise ValueError(f"preset {where}: t_max = {t_max} is shorter than one time step {system.dt}")
    if t_max is not None and t_max / system.dt > 1e12:
        raise ValueError(f"preset {where}: t_max = {t_max} is more than 1e12 time steps")
    counts = p["system"].get("counts")
    if counts is not None and list(counts) != list(system.counts):
        raise ValueError(f"preset {where}: counts {counts} do not match system {p['system']['name']} "
                         f"{list(system.counts)} (N = {system.n_particles})")


def normalized_preset(preset: dict) -> dict:
    """A validated campaign preset with every default filled in (swap resolved for the system):
    what a campaign records and what a resume must match."""
    out = {section: {key: preset.get(section, {}).get(key, default) for key, (_, default) in keys.items()}
           for section, keys in PRESET_KEYS.items()}
    if out["equilibration"]["swap"] is None:
        out["equilibration"]["swap"] = out["system"]["name"] == "ka2d"
    if out["system"]["counts"] is None:
        out["system"]["counts"] = list(_system(out).counts)
    return json.loads(json.dumps(out))  # plain JSON types (what the manifest holds)


def _system(preset: dict) -> SystemPreset:
    """The simulated system of a normalised preset (tiled when [system] tile > 1)."""
    sysp = preset["system"]
    return get_system(sysp["name"], **sysp["kwargs"]).tiled(sysp.get("tile", 1))


def _check_resume(manifest: Path, preset: dict) -> None:
    """Refuse a resume whose preset differs from the one the finished work was made with.  A campaign
    of configurations alone (``n_replicas = 0``) may grow ``n_configurations``: the equilibrated chain
    continues, the configurations already sampled and quenched are kept."""
    old = json.loads(manifest.read_text())

    def recorded(s, k):  # keys added after the finished work was recorded held their defaults
        return old.get(s, {}).get(k, PRESET_KEYS[s][k][1])

    def grows(s, k):
        return ((s, k) == ("campaign", "n_configurations") and preset["campaign"]["n_replicas"] == 0
                and preset[s][k] > recorded(s, k))

    diff = [f"[{s}] {k}: {recorded(s, k)!r} (finished work) -> {preset[s][k]!r} (now)"
            for s in preset for k in preset[s]
            if recorded(s, k) != preset[s][k] and (s, k) not in RESUMABLE_CHANGES and not grows(s, k)]
    if diff:
        raise ValueError(f"{manifest.parent} was made with another preset; resuming would mix results: "
                         + "; ".join(diff) + ". Restore those values or choose another --out"
                         + (" (only a campaign without replicas may grow n_configurations)"
                            if any("n_configurations" in d for d in diff) else ""))


def _inherent_unit(system: dict, positions, types, box) -> dict:
    """One inherent structure of the system ``SystemPreset.to_dict()`` (runs in worker processes)."""
    system = SystemPreset.from_dict(system)
    inh = inherent_structure(Configuration(positions, types, box), system.potential)
    return dict(inherent=inh.configuration.positions, energy_per_particle=inh.per_particle_energy,
                max_force=np.float64(inh.max_force))


def simulate(preset: dict, store, workers: int = 1, scheduler=None, progress: bool = False,
             max_units: int | None = None, worker_timeout: float | None = 120.0) -> Path:
    """Run (or resume) a preset's campaign into ``store``; returns the store path when complete.

    A preset with a ``[library]`` section runs the Ciarella 2023 state-point library instead
    (:class:`~glassdyn.workflows.state_library.StateLibrary`).  The output is locked while this
    runs (a second run on it is refused), temporaries of a killed run are removed on start, and a
    resume must use the same preset (except ``max_windows``).
    """
    store = Path(store)
    with OutputLock(store):
        remove_stale_temporaries(store)
        if "library" in preset:
            return _library(preset, store, workers, scheduler, progress, max_units, log, worker_timeout)
        return _campaign(preset, store, workers, scheduler, progress, max_units, log, worker_timeout)


def _library(preset, store, workers, scheduler, progress, max_units, log, worker_timeout):
    from .state_library import StateLibrary, library_states

    lib = StateLibrary(library_states(preset), store, attrs=dict(preset=json.dumps(preset)))
    log.info(f"state-point library: {len(lib.states)} states, {len(lib.pending())} pending")
    lib.run(workers=workers, scheduler=scheduler, progress=progress, max_units=max_units,
            worker_timeout=worker_timeout)
    pending = len(lib.pending())
    log.info(f"complete: {store}" if not pending else
        f"{pending} states still pending: rerun the same command to continue")
    return store


def _campaign(preset, store, workers, scheduler, progress, max_units, log, worker_timeout):
    _validate(preset, "given")
    preset = normalized_preset(preset)
    eq, cp = preset["equilibration"], preset["campaign"]
    system = _system(preset)
    T = float(eq["temperature"])
    seed, n_replicas = int(cp["seed"]), int(cp["n_replicas"])
    spec = None
    if n_replicas > 0:
        steps = log_steps(float(cp["t_max"]), system.dt, int(cp["n_times"]))
        spec = CampaignSpec(system=system.to_dict(), temperature=T, n_replicas=n_replicas,
                            steps=steps.tolist(), seed=seed, replicas_per_unit=int(cp["replicas_per_unit"]),
                            engine=cp["engine"], device=cp["device"], precision=cp["precision"])
    units = Path(str(store) + ".units")
    manifest = units / "preset.json"
    # compatibility first: nothing is written before the finished work is known to match
    if manifest.exists():
        _check_resume(manifest, preset)
    elif store.exists() or units.exists():
        if store.exists():
            recorded = read_store(store)["attrs"].get("preset")  # a foreign or corrupt file raises
            if recorded is None or json.loads(recorded) != preset:
                raise ValueError(f"{store} exists and holds another campaign (or one made by an older "
                                 "glassdyn); choose another --out")
        if units.exists() and any(units.iterdir()):
            raise ValueError(f"{units} holds work of a campaign without a recorded preset (an older "
                             "glassdyn); delete it or choose another --out")
    units.mkdir(parents=True, exist_ok=True)
    # the preset this work is made with (after a resume: the accepted one, a grown n_configurations)
    atomic_write_text(manifest, json.dumps(preset, sort_keys=True))
    conf_file = units / "configurations.npz"
    S = int(cp["n_configurations"])
    finished = None
    if conf_file.exists():
        with np.load(conf_file) as d:
            # fewer than S: n_configurations grew (_check_resume); rebuilt from the kept pieces below
            finished = {k: d[k] for k in d.files} if len(d["positions"]) == S else None
    if finished is not None:
        positions, types, box = finished["positions"], finished["types"], finished["box"]
        inherent, energies = finished["inherent"], finished["energy_per_particle"]
        info = json.loads(str(finished["equilibration"]))
        log.info(f"resuming: {S} equilibrated configurations and inherent structures from {conf_file}")
    else:
        checkpoint = units / "equilibration"
        resumed = len(list(checkpoint.glob("window_*.npz"))) if checkpoint.exists() else 0
        log.info(f"equilibrating {system.name} N={system.n_particles} at T={T}"
            + (f" (resuming after {resumed} finished windows)" if resumed else "") + " ...")
        # tau_SWAP at the seed's q = 64 pi / L of the base system, whatever the tiling
        confs, info = equilibrate(system, T, S, seed=seed, swap=eq["swap"], k=2 * np.pi * 32 / system.untiled().box[0],
                                  window_steps=int(eq["window_steps"]), max_windows=int(eq["max_windows"]),
                                  spacing=float(eq["spacing"]), checkpoint=checkpoint,
                                  progress=(lambda w, e, tau: log.info(f"  window {w}: E/N = {e:.5f}, tau = {tau:.4g}"))
                                  if progress else None)
        log.info(f"  stationary after {info['windows']} windows; tau = {info['tau']:.4g}, "
            f"configurations every {info['spacing_steps']} steps")
        types, box = confs[0].types, confs[0].box  # shared: equilibrate() orders particles by species
        quenches = UnitFolder(units / "inherent", required=("inherent", "energy_per_particle"))
        jobs = [(f"{i:05d}", (system.to_dict(), c.positions, c.types, c.box))
                for i, c in enumerate(confs) if not quenches.done(f"{i:05d}")]
        log.info(f"inherent structures: {len(jobs)} of {S} to quench")
        quenches.run(_inherent_unit, jobs, workers=workers, scheduler=scheduler, progress=progress,
                     desc="quenches", worker_timeout=worker_timeout)
        inh = [quenches.load(f"{i:05d}") for i in range(S)]
        inherent = np.array([q["inherent"] for q in inh])
        energies = np.array([q["energy_per_particle"] for q in inh])
        positions = np.array([c.positions for c in confs])
        atomic_savez(conf_file, positions=positions, types=types, box=box, inherent=inherent,
                     energy_per_particle=energies, preset=json.dumps(preset), equilibration=json.dumps(info),
                     species_sorted=True)
    if spec is None:
        write_store(store, system, T, seed, json.dumps(dict(n_replicas=0, temperature=T, seed=seed)), types,
                    positions, list(zip(inherent, energies)), [0], {}, np.zeros(S, dtype=np.int64),
                    dict(n_replicas=0, equilibration=json.dumps(info), preset=json.dumps(preset)),
                    dict(preset=preset))
        log.info(f"complete (configurations and inherent structures, no replicas): {store}")
        return store
    configurations = [Configuration(x, types, box) for x in positions]
    campaign = Campaign(spec, configurations, store, inherent=list(zip(inherent, energies)),
                        attrs=dict(equilibration=json.dumps(info), preset=json.dumps(preset)))
    log.info(f"propensities: {S} configurations x {spec.n_replicas} replicas to t = {steps[-1] * system.dt:g}, "
        f"{len(campaign.pending())} units pending")
    campaign.run(workers=workers, scheduler=scheduler, progress=progress, max_units=max_units,
                 worker_timeout=worker_timeout)
    if campaign.pending():
        log.info(f"{len(campaign.pending())} units still pending: rerun the same command to continue")
        return store
    log.info(f"complete: {store}")
    return store
