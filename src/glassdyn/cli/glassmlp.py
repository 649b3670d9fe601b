"""GlassMLP route commands: demo, report, train, predict, evaluate, glassbench, transfer, describe."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from ..errors import UsageError

#: defaults of the options that only ``glassdyn train --transferable`` uses
TRANSFERABLE_DEFAULTS = dict(time_input="log_t", n_times=8)

def _demo(args) -> int:
    from ..demo import DemoOptions, run_demo

    options = DemoOptions(configurations=args.configurations, replicas=args.replicas, times=args.times,
                          epoch_scale=args.epoch_scale, workers=args.workers, seed=args.seed,
                          collective_epochs=args.collective_epochs, skip_collective=args.skip_collective,
                          dataset=args.dataset, progress=not args.quiet)
    run_demo(args.out, options)
    return 0


def _report(args) -> int:
    from ..report import write_report

    print(f"report -> {write_report(args.folder, args.out)}")
    return 0


def _train(args) -> int:
    from ..workflows.learning import train_models

    if args.transferable:
        from ..workflows.transferable import train_transferable

        for flag, given in (("--ensemble", args.ensemble != 1), ("--times", args.times is not None),
                            ("--distances", args.distances is not None), ("--noise-corrected", args.noise_corrected),
                            ("--no-baselines", args.no_baselines)):
            if given:
                raise UsageError(f"{flag} does not apply to --transferable (one network, no baselines)")

        meta = train_transferable(args.store, args.out, label=args.label, species=args.species, n_times=args.n_times,
                                  time_input=args.time_input, epoch_scale=args.epoch_scale, seed=args.seed,
                                  cutoff=args.cutoff, observable=args.observable, progress=not args.quiet,
                                  protocol=args.protocol, overwrite=args.overwrite)
        print(f"trained one temperature-transferable GlassMLP on T = {meta['training_temperatures']} in "
              f"{meta['train_seconds']:.0f} s -> {args.out}")
        return 0
    if len(args.store) > 1:
        raise UsageError("several --store: add --transferable (one network over their temperatures), or train "
                         "one store at a time")
    for name in ("time_input", "n_times"):
        if getattr(args, name) != TRANSFERABLE_DEFAULTS[name]:
            raise UsageError(f"--{name.replace('_', '-')} applies to --transferable only")
    args.store = args.store[0]
    kinds = ["glassmlp"] + ([] if args.no_baselines else ["mlp_mae", "ridge"])
    meta = train_models(args.store, args.out, label=args.label, species=args.species, times=args.times,
                        kinds=kinds, epoch_scale=args.epoch_scale, seed=args.seed,
                        observable=args.observable, noise_corrected=args.noise_corrected,
                        distances=args.distances, ensemble=args.ensemble, cutoff=args.cutoff,
                        progress=not args.quiet, protocol=args.protocol, overwrite=args.overwrite)
    if meta["skipped_time_indices"]:
        print(f"skipped time indices {meta['skipped_time_indices']} (some configuration's labels are constant)",
              file=sys.stderr)
    print(f"trained {len(meta['kinds'])} model kinds at {len(meta['time_indices'])} times in "
          f"{meta['train_seconds']:.0f} s -> {args.out}")
    return 0


def _read_inputs(args):
    """Configurations of the input files and, for GlassBench files, their inherent structures
    (the file's own when present); the potential (GlassBench: its system's)."""
    from ..io import read_trajectory
    from ..io.glassbench import is_glassbench_file, read_glassbench
    from ..systems import get_potential
    from ..workflows.glassbench import GLASSBENCH_POTENTIALS, glassbench_inherent

    if all(is_glassbench_file(p) for p in args.inputs):
        files = [read_glassbench(p) for p in args.inputs]
        names = {GLASSBENCH_POTENTIALS[f.system] for f in files}
        if len(names) > 1 or (args.potential and args.potential not in names):
            raise UsageError(f"the GlassBench files are of systems {sorted(names)}; --potential {args.potential} "
                             "does not fit")
        potential = get_potential(names.pop())
        return [f.initial for f in files], potential, [glassbench_inherent(f, potential)[:2] for f in files]
    if not args.potential:
        raise UsageError("give --store, GlassBench files, or trajectory files with --potential")
    return [read_trajectory(p, args.format).frame(args.frame) for p in args.inputs], get_potential(args.potential), None


def _predict_inputs(args, folder, state):
    """Predictions on a store or on input files: (result, inherent positions, types, inputs)."""
    from ..workflows.learning import predict_configurations, predict_store

    if args.store:
        res = predict_store(folder, args.store, state=state)
        if state is not None:
            state["temperature"] = res["store"].temperature if args.temperature is None else args.temperature
        return res, res["store"]["inherent"], res["store"]["types"], [args.store]
    if not args.inputs:
        raise UsageError("give --store or input files")
    if state is not None and args.temperature is None:
        raise UsageError("give --temperature: the temperature of the input configurations")
    confs, potential, inherent = _read_inputs(args)
    res = predict_configurations(folder, confs, potential, state=state, inherent=inherent)
    return res, res["positions"], res["types"], list(args.inputs)


def _predict(args) -> int:
    import warnings

    from ..io.models import read_model_folder
    from ..io.provenance import save_npz
    from ..learn.transferable import ExtrapolationWarning
    from ..workflows.learning import check_state_value

    folder = read_model_folder(args.models)
    state = None
    try:
        for name in ("temperature", "tau"):
            check_state_value(f"--{name}", getattr(args, name))
        for t in args.time or []:
            check_state_value("--time", t)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if folder.transferable:
        if not args.time:
            raise UsageError(f"{args.models} holds a temperature-transferable model: give --time (and --temperature; "
                             f"trained at T = {folder.meta['training_temperatures']})")
        if args.tau is not None and folder.models["transferable"][0].time_input != "t_over_tau":
            raise UsageError(f"{args.models}: this model's time input is log10 t, so --tau does not enter its "
                             "prediction; leave it out")
        state = dict(temperature=args.temperature, times=args.time, tau=args.tau)
    elif args.temperature is not None or args.time or args.tau is not None:
        if not args.time:
            raise UsageError(f"{args.models} holds models of one temperature (T = {folder.temperature:g}): "
                             "--temperature / --tau need --time (the times to predict at, matched in t/tau_alpha^BB)")
        if args.temperature is None and not args.store:
            raise UsageError("give --temperature: the temperature of the input configurations")
        state = dict(temperature=args.temperature, times=args.time, tau=args.tau)
    with warnings.catch_warnings():  # said once below, as EXTRAPOLATION lines
        warnings.simplefilter("ignore", ExtrapolationWarning)
        res, positions, types, inputs = _predict_inputs(args, folder, state)
    meta, preds = res["meta"], res["predictions"]
    arrays = dict(positions=positions, types=types, label=meta["label"], species=meta["species"],
                  domain_notes=np.asarray(res["notes"] or [""]), training_temperature=float(meta.get(
                      "temperature", np.nan)) if not folder.transferable else np.nan)
    for note in res["notes"]:
        print(f"glassdyn: DOMAIN: {note}", file=sys.stderr)
    parameters = dict(models=str(args.models), label=meta["label"], species=meta["species"],
                      potential=args.potential, frame=args.frame)
    if state is None:
        arrays.update(times=np.asarray(meta["times"]), **preds)
    elif folder.transferable:
        from ..workflows.transferable import resolve_state

        notes = resolve_state(meta, folder.models["transferable"][0], state)[3]
        arrays.update(prediction=preds["transferable"], times=np.asarray(args.time, dtype=float),
                      temperature=float(state["temperature"]),
                      training_temperatures=np.asarray(meta["training_temperatures"]),
                      extrapolates=bool(notes), extrapolation=np.asarray(notes or [""]))
        parameters.update(temperature=state["temperature"], times=list(args.time), tau=args.tau,
                          training_temperatures=meta["training_temperatures"])
        for note in notes:
            print(f"glassdyn: EXTRAPOLATION: {note}", file=sys.stderr)
    else:
        from ..workflows.learning import matched_state

        m = matched_state(meta, state)
        arrays.update(prediction=preds["glassmlp"], times=np.asarray(m["times"]), temperature=m["temperature"],
                      matched_times=np.asarray(m["matched_times"]), tau=m["tau"], tau_train=m["tau_train"],
                      training_temperatures=np.asarray([folder.temperature]), extrapolates=bool(m["notes"]),
                      extrapolation=np.asarray(m["notes"] or [""]), **preds)
        parameters.update(temperature=m["temperature"], times=m["times"], tau=args.tau, tau_used=m["tau"],
                          tau_train=m["tau_train"], matched_times=m["matched_times"],
                          training_temperatures=[folder.temperature])
        for note in m["notes"]:
            print(f"glassdyn: MATCHED TIME: {note}", file=sys.stderr)
    save_npz(args.out, arrays, parameters=parameters, inputs=[args.models, *inputs])
    n_times = len(arrays["times"])
    print(f"predicted {', '.join(preds)} for {len(positions)} configurations x {n_times} times -> {args.out}")
    return 0


def _glassbench(args) -> int:
    from ..workflows.glassbench import glassbench_store

    glassbench_store(args.folder, args.out, temperature=args.temperature, progress=not args.quiet,
                     overwrite=args.overwrite)
    return 0


def _evaluate(args) -> int:
    from ..workflows.learning import evaluate_store

    evaluate_store(args.models, args.store, args.out, configurations=args.configurations)
    print(f"figures and summary.md in {args.out}")
    return 0


def _transfer(args) -> int:
    from ..workflows.transfer import transfer

    result = transfer(args.models, tile=args.tile, n_configurations=args.configurations, seed=args.seed,
                      temperature=args.temperature, times=args.time, store=args.store, tau=args.tau,
                      s4_fit=args.s4_fit)
    result.save(args.out)
    print(result.summary().replace("\n", f" -> {args.out}\n", 1))
    return 0


def note_inferred_species(conf, source) -> None:
    """Say when species were inferred from a file's type numbers and some of them are empty."""
    counts = np.bincount(conf.types)
    empty = np.flatnonzero(counts == 0).tolist()
    if empty:
        print(f"glassdyn: note: {source}: {len(counts)} species inferred from the type numbers 0..{len(counts) - 1}; "
              f"species {empty} have no particles (their channels stay empty); --potential sets the "
              "species of a known system", file=sys.stderr)


def _describe(args) -> int:
    import matplotlib.pyplot as plt

    from ..io import read_trajectory
    from ..io.provenance import save_npz
    from ..structure import GlassMLPDescriptors
    from ..systems import get_potential
    from ..workflows import inherent_structure

    conf = read_trajectory(args.input, args.format).frame(args.frame)
    potential = get_potential(args.potential) if args.potential else None
    if potential is None:
        note_inferred_species(conf, args.input)
    if args.quench and potential is None:
        raise ValueError("--quench needs --potential (the inherent structure is a minimum of a potential)")
    energies = None
    if args.quench:
        inh = inherent_structure(conf, potential)
        conf, energies = inh.configuration, inh.per_particle_energy
        print(f"quenched: E_IS/N = {inh.energy / conf.n_particles:.6f}, max|F| = {inh.max_force:.1e}")
    desc = GlassMLPDescriptors(cutoff=args.cutoff).compute(conf, potential, per_particle_energy=energies)
    out = Path(args.out)
    save_npz(out / "descriptors.npz", dict(features=desc.features, names=np.array(desc.names),
                                           positions=conf.positions, types=conf.types, box=conf.box),
             parameters=dict(frame=args.frame, potential=None if potential is None else potential.to_dict(),
                             quench=args.quench, definition=desc.definition()), inputs=[args.input])
    print(f"{desc.features.shape[1]} descriptors for {conf.n_particles} particles -> {out / 'descriptors.npz'}")
    if conf.dimension == 2:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
        shown = [n for n in desc.names if n.endswith("|L=0|all")][:1] + \
                [n for n in desc.names if n.endswith("|L=2|all")][-1:]
        for ax, name in zip(axes, shown):
            desc.plot(conf, name, ax=ax)
        fig.tight_layout()
        fig.savefig(out / "descriptors.png", dpi=120)
        plt.close(fig)
    return 0


def _state_arguments(parser) -> None:
    """--temperature, --time, --tau: the state a temperature-transferable model predicts at."""
    parser.add_argument("--temperature", type=float, default=None,
                        help="temperature-transferable models: the temperature (default a store's own)")
    parser.add_argument("--time", type=float, nargs="+", default=None,
                        help="temperature-transferable models: times (LJ units) to predict at")
    parser.add_argument("--tau", type=float, default=None,
                        help="temperature-transferable models with a t/tau time input: tau_alpha^BB at --temperature")


def add_parsers(sub) -> None:
    d = sub.add_parser("demo", help="the whole GlassMLP pipeline on the embedded quick preset "
                       "(simulate, label, quench, describe, train, evaluate; figures + table)")
    d.add_argument("--out", default="glassdyn-demo", help="output folder (rerun resumes the simulation)")
    d.add_argument("--configurations", type=int, default=None, help="override the preset's number")
    d.add_argument("--replicas", type=int, default=None, help="override the preset's number")
    d.add_argument("--times", type=int, default=3, help="number of label times to train models at")
    d.add_argument("--epoch-scale", type=float, default=1.0,
                   help="fraction of the reference schedule's epochs (default all)")
    d.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--collective-epochs", type=int, default=100, help="FsMLP epochs of the collective part")
    d.add_argument("--skip-collective", action="store_true", help="GlassMLP part only")
    d.add_argument("--dataset", default=None,
                   help="train and evaluate on a shipped campaign store instead of simulating: "
                        "ka2d-T0.45 (KA2D, 24 configurations x 10 replicas, see glassdyn/data/README.md)")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_demo)

    rp = sub.add_parser("report", help="one self-contained report.html of a run folder (figures, tables, "
                        "provenance)")
    rp.add_argument("folder", help="a folder glassdyn wrote (demo, evaluate, analyse, collective ...)")
    rp.add_argument("--out", default=None, help="HTML file (default FOLDER/report.html)")
    rp.set_defaults(func=_report)

    tr = sub.add_parser("train", help="train GlassMLP (+ MLP(mae), Ridge) on a campaign store, or one "
                        "temperature-transferable GlassMLP on stores at several temperatures")
    tr.add_argument("--store", required=True, nargs="+", help="HDF5 store of glassdyn simulate (several with "
                    "--transferable)")
    tr.add_argument("--transferable", action="store_true",
                    help="one GlassMLP with T and the time as inputs over every store's temperature (issue 19; "
                         "predict with --temperature and --time)")
    tr.add_argument("--time-input", choices=["log_t", "t_over_tau"], default=TRANSFERABLE_DEFAULTS["time_input"],
                    help="--transferable: the time input, log10 t or log10 t/tau_alpha^BB(T)")
    tr.add_argument("--n-times", type=int, default=TRANSFERABLE_DEFAULTS["n_times"],
                    help="--transferable: label times per store (log-spaced among those where labels vary)")
    tr.add_argument("--out", required=True, help="model folder")
    tr.add_argument("--label", default="bond_breaking",
                    help="a label of glassdyn.dynamics.LABELS: bond_breaking (default) or displacement")
    tr.add_argument("--species", type=int, default=0)
    tr.add_argument("--times", type=int, nargs="+", default=None, help="label time indices (default all)")
    tr.add_argument("--epoch-scale", type=float, default=1.0, help="fraction of the protocol's epochs")
    tr.add_argument("--no-baselines", action="store_true", help="GlassMLP only")
    tr.add_argument("--observable", choices=["field", "overlap"], default=None,
                    help="field of the variance and C(d) loss terms (default: overlap for displacement, "
                         "paper SM VI; field for bond breaking)")
    tr.add_argument("--noise-corrected", action="store_true",
                    help="remove the replica noise of the labels from the variance and C(d) targets "
                         "(glassdyn option, not the paper's; needs --observable field)")
    tr.add_argument("--ensemble", type=int, default=1,
                    help="train this many seeds of GlassMLP and MLP(mae) and predict with their mean")
    tr.add_argument("--distances", type=float, nargs="+", default=None,
                    help="shell distances d of the C(d) loss term (default the protocol's: 2 5 8 in the reference)")
    tr.add_argument("--protocol", choices=["reference", "paper", "glassdyn-0.1"], default="reference",
                    help="GlassMLP training: the reference program's (default), the paper's text, or glassdyn 0.1's")
    tr.add_argument("--cutoff", type=float, default=20.0,
                    help="coarse-graining cut-off of the descriptors (default 20, the reference's; half the "
                         "training box makes models transferable to larger systems)")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--overwrite", action="store_true", help="replace a folder that already holds models")
    tr.add_argument("--quiet", action="store_true")
    tr.set_defaults(func=_train)

    pr = sub.add_parser("predict", help="predict propensities with a model folder (store or files)")
    pr.add_argument("inputs", nargs="*", help="trajectory files (one configuration each, with --potential) or "
                    "GlassBench .npz files (their inherent structures; output in the file's particle order)")
    _state_arguments(pr)
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
    gb.add_argument("--overwrite", action="store_true", help="replace an existing --out store")
    gb.add_argument("--quiet", action="store_true")
    gb.set_defaults(func=_glassbench)

    tf = sub.add_parser("transfer", help="predict on a tiled, much larger system (no MD labels): S4 at small q")
    tf.add_argument("--models", required=True)
    tf.add_argument("--tile", type=int, default=2, help="repeat the box tile^d times")
    tf.add_argument("--configurations", type=int, default=4)
    tf.add_argument("--seed", type=int, default=0)
    tf.add_argument("--store", default=None, help="large equilibrated configurations to predict on instead "
                    "(glassdyn simulate with [system] tile and n_replicas = 0)")
    _state_arguments(tf)
    tf.add_argument("--s4-fit", choices=["unweighted", "counting"], default="unweighted",
                    help="S4 fit: unweighted (default), or weighted by each shell's counting error (steadier xi "
                         "from a few configurations, see glassdyn.dynamics.heterogeneity.fit_s4)")
    tf.add_argument("--out", default="transfer")
    tf.set_defaults(func=_transfer)

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
