"""A downloaded GlassBench folder as a glassdyn campaign store, so that ``glassdyn train`` and
``evaluate`` run on it unchanged.

Per structure: the inherent structure (``initial_positions_inherent``, or a glassdyn quench of
``initial_positions`` when absent) and its per-particle energies for the descriptors; at every time
code the isoconfigurational means over the file's replicas of the bond-breaking correlation C_B
(1.4 / 1.8 sigma_ab, neighbours of the initial structure) and of the displacement |r(t) - r(0)|
(unwrapped, no drift removal), with their replica variances.  GlassBench's train / test folders
become the store's recorded split (validation: a seeded fifth of the training structures).
"""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InputFileError
from ..io.atomic import atomic_path
from ..io.provenance import provenance_json
from ..io.glassbench import read_glassbench

__all__ = ["glassbench_store", "glassbench_inherent", "GLASSBENCH_POTENTIALS"]

log = logging.getLogger(__name__)

#: potential preset of each GlassBench system (KA2D: Jung 2023's smoothed KA2D; 3D KA: Jung 2023 SM VI)
GLASSBENCH_POTENTIALS = {"KA2D": "ka2d", "KA": "ka3d"}


def glassbench_inherent(f, potential) -> tuple:
    """(inherent Configuration, per-particle energies (N,), quenched by glassdyn) of a GlassBench
    file's structure: the file's own inherent structure when present, else a glassdyn quench."""
    from .inherent import inherent_structure

    if f.inherent is not None:
        return f.inherent, potential.compute(f.inherent).per_particle, False
    q = inherent_structure(f.initial, potential, strict=False)
    return q.configuration, q.per_particle_energy, True


def glassbench_store(folder, out, temperature: float | None = None, progress: bool = False,
                     overwrite: bool = False) -> Path:
    """Convert every ``*.npz`` of a GlassBench folder (one system and temperature) into an HDF5
    campaign store at ``out`` (written atomically; an existing ``out`` is refused unless
    ``overwrite``).  Refused before any work: files of different N.  A store with fewer than 2
    training structures is written (for evaluation) and ``train`` refuses it.  Returns the store path."""
    import h5py
    from tqdm import tqdm

    from ..dynamics.propensity import BondBreaking
    from ..systems.potentials import get_potential
    from .campaign import configuration_fingerprints

    folder = Path(folder)
    if Path(out).exists() and not overwrite:
        raise ValueError(f"{out} exists: choose another --out or pass --overwrite")
    paths = sorted(folder.rglob("*.npz"))
    if not paths:
        raise ValueError(f"{folder}: no GlassBench .npz files found")
    files = [read_glassbench(p) for p in tqdm(paths, desc="reading", disable=not progress)]
    temps = sorted({f.temperature for f in files})
    if temperature is not None:
        files = [f for f in files if abs(f.temperature - temperature) < 1e-9]
        if not files:
            raise ValueError(f"{folder}: no files at T = {temperature} (found {temps})")
    elif len(temps) > 1:
        raise ValueError(f"{folder} holds several temperatures {temps}: choose one with --temperature")
    systems = {f.system for f in files}
    if len(systems) > 1:
        raise ValueError(f"{folder} mixes systems {sorted(systems)}")
    system_name = systems.pop()
    sizes = sorted({f.initial_unwrapped.shape[0] for f in files})
    if len(sizes) > 1:
        raise InputFileError(f"{folder}: files of different particle numbers N = {sizes} (one system per store)")
    potential = get_potential(GLASSBENCH_POTENTIALS[system_name])
    codes = sorted({f.time_code for f in files})
    by_structure = defaultdict(dict)
    for f in files:
        by_structure[(f.split or "train", f.structure)][f.time_code] = f
    keys = sorted(by_structure, key=lambda k: (k[0] != "train", k[1]))
    if sum(s == "train" for s, _ in keys) < 2:
        log.info(f"{folder}: fewer than 2 training structures: the store can be evaluated and predicted on, "
                 "not trained on (training needs a training and a validation structure)")
    incomplete = [f"{s}/{i}" for s, i in keys if set(by_structure[(s, i)]) != set(codes)]
    if incomplete:
        raise ValueError(f"structures {incomplete[:5]} lack some of the time codes {codes}")
    first = by_structure[keys[0]][codes[0]]
    n, d = first.initial_unwrapped.shape
    S, T = len(keys), len(codes)
    positions, inherent, energies = np.zeros((S, n, d)), np.zeros((S, n, d)), np.zeros((S, n))
    labels = {k: np.zeros((S, T, n)) for k in ("bond_breaking", "displacement",
                                               "bond_breaking_var", "displacement_var")}
    replicas = np.zeros(S, dtype=np.int64)
    quenched = 0
    for c, key in enumerate(tqdm(keys, desc="structures", disable=not progress)):
        per_time = by_structure[key]
        ref = per_time[codes[0]]
        for f in per_time.values():
            if not (np.array_equal(f.initial.types, ref.initial.types)
                    and np.allclose(f.initial_unwrapped, ref.initial_unwrapped, rtol=0, atol=1e-6)):
                raise ValueError(f"{f.path} and {ref.path}: same structure id, different initial structures")
        if not np.array_equal(ref.initial.types, first.initial.types):
            raise ValueError(f"{ref.path}: species order differs from {first.path} (glassdyn stores one species "
                             "array per store)")
        inh, e, by_glassdyn = glassbench_inherent(ref, potential)
        quenched += by_glassdyn
        positions[c], inherent[c], energies[c] = ref.initial.positions, inh.positions, e
        bb = BondBreaking(potential.sigma)
        for j, code in enumerate(codes):
            f = per_time[code]
            cb = bb.compute(ref.initial, f.replicas).values  # (R, N): replicas as frames
            dr = np.linalg.norm(f.replicas - f.initial_unwrapped[None], axis=2)
            for name, v in (("bond_breaking", cb), ("displacement", dr)):
                labels[name][c, j] = v.mean(axis=0)
                labels[f"{name}_var"][c, j] = v.var(axis=0, ddof=1) if len(v) > 1 else 0.0
            replicas[c] = len(f.replicas)
    train = [c for c, (s, _) in enumerate(keys) if s == "train"]
    test = [c for c, (s, _) in enumerate(keys) if s == "test"]
    rng = np.random.default_rng(0)
    val = sorted(rng.choice(train, max(1, len(train) // 5), replace=False).tolist()) if len(train) > 1 else []
    split = dict(train=[c for c in train if c not in val], validation=val, test=test)
    times = np.array([by_structure[keys[0]][code].time for code in codes])
    box = first.initial.box
    system = dict(name=GLASSBENCH_POTENTIALS[system_name], potential=potential.to_dict(),
                  counts=np.bincount(first.initial.types).tolist(), box=box.tolist(), dt=None)
    source = dict(kind="glassbench", folder=str(folder.resolve()), system=system_name,
                  structures=[f"{s}/{i}" for s, i in keys], time_codes=codes, quenched=quenched)
    out = Path(out)
    with atomic_path(out) as tmp:
        with h5py.File(tmp, "w") as h:
            h.attrs.update(dict(system=json.dumps(system), campaign=json.dumps(source), temperature=files[0].temperature,
                                n_replicas=int(replicas.min()), version=__version__, dimension=d, N=n, box=box,
                                created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), split=json.dumps(split),
                                provenance=provenance_json(parameters=dict(system=system, source=source)),
                                glassbench=json.dumps(dict(system=system_name, temperature=files[0].temperature)),
                                configuration_sha256=json.dumps(configuration_fingerprints(first.initial.types,
                                                                                           positions))))
            h["types"] = first.initial.types
            h["positions"], h["inherent"], h["energy_per_particle"] = positions, inherent, energies
            g = h.create_group("label")
            g["times"], g["steps"] = times, np.array(codes)
            for k, v in labels.items():
                g[k] = v
            g["replicas_done"] = replicas
    log.info(f"{S} structures ({len(train)} train, {len(test)} test) x {T} time codes x {int(replicas.min())} replicas "
        f"-> {out}" + (f"; {quenched} inherent structures quenched by glassdyn" if quenched else ""))
    return out
