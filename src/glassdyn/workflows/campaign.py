"""Resumable, distributed isoconfigurational campaigns.

A campaign is a set of independent units (configuration c, block of replicas).  Each finished unit
is written atomically (temporary file + ``os.replace``) as ``<store>.units/c{c}_b{b}.npz``;
rerunning the same command skips finished units, so a campaign killed at any point (even with
``kill -9``) resumes and ends with results identical to an uninterrupted run: every unit starts a
fresh LAMMPS instance and draws its replicas' velocities from recorded per-replica seeds.  When all
units are done the HDF5 store is (re)assembled atomically from the unit files.

Executors: local processes (``workers``, one LAMMPS per core) or a Dask distributed cluster
(``scheduler`` address, or a ``distributed.Client``) -- no home-made scheduler.

Store layout (HDF5, see DESIGN.md): attrs system (JSON), temperature, dt, seed, version, created,
n_replicas; datasets types (N,), positions (S, N, d), inherent (S, N, d), energy_per_particle (S, N),
label/times (n_t,), label/steps (n_t,), label/bond_breaking (S, n_t, N), label/displacement
(S, n_t, N), label/replicas_done (S,), label/bond_breaking_var and label/displacement_var (S, n_t, N):
the per-particle sample variance over the replicas (the label noise is var / replicas_done; absent
when a configuration has a single replica or units come from a version without it).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..dynamics.propensity import LABELS
from ..systems.configuration import Configuration
from ..engines.base import ReplicaJob, get_engine, replica_seed
from ..systems.presets import SystemPreset, get_system
from ..io.atomic import atomic_path
from ..io.stores import configuration_fingerprints, read_store
from ..io.provenance import provenance_json
from .units import UnitFolder

__all__ = ["CampaignSpec", "Campaign", "run_unit", "run_units", "same_campaign", "read_store", "compact_store",
           "shipped_store", "configuration_fingerprints", "SHIPPED_STORES", "write_store"]

#: campaign stores shipped in glassdyn/data (see its README.md)
SHIPPED_STORES = ("ka2d-T0.45",)



@dataclass
class CampaignSpec:
    """Everything that defines a campaign's results (recorded in every output file).

    system : the system's full parameters (``SystemPreset.to_dict()``); a preset name (with
        ``system_kwargs``) is accepted and resolved through :func:`~glassdyn.systems.get_system`.
    engine, precision : the replica engine ("lammps" | "torch") and its arithmetic ("float64" |
        "float32"; float32 only on torch); device : "cpu" | "cuda" (torch only).  The device is not
        part of the campaign's identity: a campaign may resume on another device.
    """

    system: str | dict
    temperature: float
    n_replicas: int
    steps: list
    seed: int = 0
    replicas_per_unit: int = 0  # 0: all replicas of a configuration in one unit
    system_kwargs: dict = field(default_factory=dict)
    tdamp: float | None = None
    engine: str = "lammps"
    device: str = "cpu"
    precision: str = "float64"

    def __post_init__(self):
        if not np.isfinite(self.temperature) or self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.n_replicas < 1:
            raise ValueError("n_replicas must be >= 1")
        steps = np.asarray(self.steps)
        if steps.ndim != 1 or steps.size < 2 or steps[0] != 0 or np.any(np.diff(steps) <= 0):
            raise ValueError("steps must start at 0 and increase strictly")
        self.steps = [int(s) for s in steps]
        if self.replicas_per_unit <= 0:
            self.replicas_per_unit = self.n_replicas
        self.make_engine()  # refuses unknown engines, devices and precisions now

    def system_preset(self) -> SystemPreset:
        """The simulated system."""
        if isinstance(self.system, dict):
            return SystemPreset.from_dict(self.system)
        return get_system(self.system, **self.system_kwargs)

    def make_engine(self):
        return get_engine(self.engine, self.device, self.precision)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def identity(self) -> dict:
        """What two runs must share to add up to one campaign: the system resolved to its full
        parameters (so a name and its parameters agree), without the device."""
        d = asdict(self)
        d["system"] = self.system_preset().to_dict()
        d.pop("system_kwargs")
        d.pop("device")
        return d


def same_campaign(a_json: str, b_json: str) -> bool:
    """Whether two recorded specifications (JSON; also those written before engines were
    recorded) describe the same campaign."""
    return CampaignSpec(**json.loads(a_json)).identity() == CampaignSpec(**json.loads(b_json)).identity()


def _unit_replicas(spec: CampaignSpec, block: int) -> list:
    r0 = block * spec.replicas_per_unit
    return list(range(r0, min(r0 + spec.replicas_per_unit, spec.n_replicas)))


def run_units(spec_json: str, units) -> dict:
    """Run units ``[(name, configuration_index, block, positions, types, box), ...]`` in one engine
    call (one batch of copies on the torch engine); returns {name: arrays} (picklable; runs in
    worker processes or on Dask workers)."""
    spec = CampaignSpec(**json.loads(spec_json))
    system = spec.system_preset()
    jobs = []
    for _, c, b, x, t, box in units:
        replicas = _unit_replicas(spec, b)
        jobs.append(ReplicaJob(Configuration(x, t, box), replicas, [replica_seed(spec.seed, c, r) for r in replicas]))
    sums = spec.make_engine().propagate(jobs, system.potential, spec.temperature, spec.steps, system.dt,
                                        spec.tdamp)
    keys = (*LABELS.names(), *(f"{k}_sq" for k in LABELS))
    return {u[0]: {**{k: out[k] for k in keys}, "n_replicas": np.int64(len(job.replicas))}
            for u, job, out in zip(units, jobs, sums)}


def run_unit(spec_json: str, configuration_index: int, block: int, positions, types, box):
    """Run one unit; returns a dict of arrays (picklable; runs in worker processes)."""
    return run_units(spec_json, [("unit", configuration_index, block, positions, types, box)])["unit"]


class Campaign:
    """Propensity campaign over given equilibrium configurations.

    Parameters
    ----------
    spec : CampaignSpec.
    configurations : list of Configuration (the S initial states).
    store : path of the HDF5 store; unit files live in ``<store>.units/``.
    inherent : optional list of (positions (N, d), per-particle energies (N,)) per configuration.
    attrs : extra provenance attributes (strings / numbers) written into the store.
    """

    def __init__(self, spec: CampaignSpec, configurations, store, inherent=None, attrs=None):
        self.spec = spec
        self.attrs = dict(attrs or {})
        self.configurations = list(configurations)
        if not self.configurations:
            raise ValueError("a campaign needs at least one configuration")
        self.store = Path(store)
        self.units_dir = Path(str(self.store) + ".units")
        self.units = UnitFolder(self.units_dir, spec.to_json(), required=(*LABELS.names(), "n_replicas"),
                                manifest_name="campaign.json", same=same_campaign)
        self.inherent = inherent
        self.n_blocks = -(-spec.n_replicas // spec.replicas_per_unit)
        system = spec.system_preset()
        types = self.configurations[0].types
        for k, c in enumerate(self.configurations):
            if c.n_particles == types.size and not np.array_equal(c.types, types):
                raise ValueError(f"configuration {k} assigns species to particles differently from configuration 0; "
                                 "the store keeps one species array: reorder the particles "
                                 "(Configuration.sorted_by_species())")
            system.potential.check(c)
            if c.n_particles != system.n_particles:
                raise ValueError(f"configuration has {c.n_particles} particles, system "
                                 f"{spec.system} has {system.n_particles}")

    # ------------------------------------------------------------------ bookkeeping
    def _check_manifest(self) -> None:
        """Refuse to mix results of a different campaign in the same unit folder, and never
        overwrite an existing store of another campaign (or an unreadable file)."""
        if self.store.exists():
            attrs = read_store(self.store)["attrs"]  # raises on foreign or corrupt files
            if not same_campaign(attrs["campaign"], self.spec.to_json()):
                raise ValueError(f"{self.store} is the store of a different campaign; choose another path")
        self.units.open()

    @staticmethod
    def unit_name(c: int, b: int) -> str:
        return f"c{c:05d}_b{b:04d}"

    def unit_path(self, c: int, b: int) -> Path:
        return self.units.path(self.unit_name(c, b))

    def pending(self):
        return [(c, b) for c in range(len(self.configurations)) for b in range(self.n_blocks)
                if not self.units.done(self.unit_name(c, b))]

    # ------------------------------------------------------------------ running
    def run(self, workers: int = 1, scheduler=None, progress: bool = True, max_units: int | None = None,
            worker_timeout: float | None = 120.0, batch_copies: int | None = None):
        """Run every pending unit (at most ``max_units``), then assemble the store if complete.

        Units are handed to the engine in batches of about ``batch_copies`` replica copies (default:
        the engine's; LAMMPS 1 unit, torch 64 copies on CPU, 4096 on CUDA); a finished batch saves
        each of its units, so a killed run loses at most the batches in flight.

        A dead local worker restarts the pool (units in flight are resubmitted, at most 3 times);
        a Dask cluster without workers for ``worker_timeout`` seconds stops the run (None: wait)."""
        self._check_manifest()
        todo = self.pending()
        if max_units is not None:
            todo = todo[:max_units]
        spec_json = self.spec.to_json()
        units = [(self.unit_name(c, b), c, b, self.configurations[c].positions, self.configurations[c].types,
                  self.configurations[c].box) for c, b in todo]
        per_job = max(1, (batch_copies or self.spec.make_engine().batch_copies) // self.spec.replicas_per_unit)
        batches = [units[k:k + per_job] for k in range(0, len(units), per_job)]
        jobs = [("+".join(u[0] for u in batch), (spec_json, batch)) for batch in batches]
        self.units.run(run_units, jobs, batched=True, workers=workers, scheduler=scheduler,
                       progress=progress, worker_timeout=worker_timeout, desc="replica batches")
        if not self.pending():
            self.assemble()
        return self

    # ------------------------------------------------------------------ store
    def assemble(self) -> Path:
        """Sum the unit files into propensities and write the HDF5 store atomically."""
        spec = self.spec
        system = spec.system_preset()
        S, N = len(self.configurations), system.n_particles
        n_t = len(spec.steps)
        sums = {k: np.zeros((S, n_t, N)) for k in (*LABELS.names(), *(f"{k}_sq" for k in LABELS))}
        done = np.zeros(S, dtype=np.int64)
        has_sq = True
        for c in range(S):
            for b in range(self.n_blocks):
                with np.load(self.unit_path(c, b)) as u:
                    has_sq &= all(f"{k}_sq" in u.files for k in LABELS)
                    for k in sums:
                        if k in u.files:
                            sums[k][c] += u[k]
                    done[c] += int(u["n_replicas"])
        n = done[:, None, None].astype(float)
        labels = {k: sums[k] / n for k in LABELS}
        if has_sq and done.min() >= 2:  # per-particle sample variance over the replicas
            labels.update({f"{k}_var": np.maximum(sums[f"{k}_sq"] - n * labels[k] ** 2, 0.0) / (n - 1)
                           for k in LABELS})
        write_store(self.store, system, spec.temperature, spec.seed, spec.to_json(), self.configurations[0].types,
                    np.array([c.positions for c in self.configurations]), self.inherent, spec.steps, labels, done,
                    dict(n_replicas=spec.n_replicas, **self.attrs),
                    dict(system=system.to_dict(), campaign=json.loads(spec.to_json())))
        return self.store


def write_store(path, system: SystemPreset, temperature: float, seed: int, campaign: str, types, positions,
                inherent, steps, labels: dict, replicas_done, attrs: dict, parameters: dict) -> Path:
    """Write a campaign store atomically (layout: :mod:`glassdyn.io.stores`).  ``inherent``: list of
    (positions, per-particle energies) or None; ``labels`` {name: (S, n_t, N)} (empty for a store of
    configurations alone); ``campaign`` the JSON that identifies the run."""
    import h5py

    positions = np.asarray(positions)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as h:
            h.attrs.update(dict(system=json.dumps(system.to_dict()), campaign=campaign, temperature=temperature,
                                dt=system.dt, seed=seed, version=__version__,
                                created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), dimension=system.dimension,
                                N=system.n_particles, box=np.asarray(system.box, dtype=float), **attrs))
            h.attrs["provenance"] = provenance_json(parameters=parameters, seeds=seed)
            h.attrs["configuration_sha256"] = json.dumps(configuration_fingerprints(types, positions))
            h["types"] = types
            h["positions"] = positions
            if inherent is not None:
                h["inherent"] = np.array([x for x, _ in inherent])
                h["energy_per_particle"] = np.array([e for _, e in inherent])
            g = h.create_group("label")
            g["steps"] = np.asarray(steps)
            g["times"] = np.asarray(steps) * system.dt
            for k, v in labels.items():
                g[k] = v
            g["replicas_done"] = np.asarray(replicas_done)
    return Path(path)


def compact_store(src, dst, command: str) -> Path:
    """Copy a campaign store with the labels as gzip-compressed float32 (positions, inherent
    structures and energies stay float64) and the generating ``command`` recorded as an attribute;
    written atomically."""
    import h5py

    data = read_store(src)  # validates
    dst = Path(dst)
    with atomic_path(dst) as tmp:
        with h5py.File(tmp, "w") as h:
            h.attrs.update({**data.attrs, "generated_by": command, "compacted_from": str(Path(src).name)})
            h.attrs["provenance"] = provenance_json(
                parameters=dict(compacted_from=str(Path(src).name),
                                original=json.loads(data.attrs.get("provenance", "null"))), inputs=[src])
            for k in ("types", "positions", "inherent", "energy_per_particle"):
                if k in data:
                    h.create_dataset(k, data=data[k], compression="gzip", shuffle=True)
            g = h.create_group("label")
            for k, v in data.label.items():
                v = v.astype(np.float32) if v.dtype.kind == "f" and v.ndim == 3 else v
                g.create_dataset(k, data=v, compression="gzip", shuffle=True)
        os.chmod(tmp, 0o644)  # a data file to ship, readable by all (mkstemp makes it 0600)
    return dst


def shipped_store(name: str) -> Path:
    """Path of a campaign store shipped with glassdyn (``SHIPPED_STORES``)."""
    from importlib import resources

    if name not in SHIPPED_STORES:
        raise ValueError(f"unknown shipped data set {name!r}; known: {list(SHIPPED_STORES)}")
    path = Path(str(resources.files("glassdyn") / "data" / f"{name}.h5"))
    if not path.is_file():
        raise ValueError(f"the shipped data set {path} is missing (a broken installation?)")
    return path
