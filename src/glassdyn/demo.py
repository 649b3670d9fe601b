"""The main job: the whole GlassMLP pipeline on the embedded ``quick`` preset, the same models on
the shipped KA2D T = 0.45 store, the collective route on the shipped state library, the table of the
paper's claims and one ``report.html``.

``run_demo(out)`` is what ``glassdyn demo`` calls; messages go to the ``glassdyn`` logger (the CLI
shows them), progress bars appear with ``progress=True``.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__

__all__ = ["DemoOptions", "run_demo", "SHIPPED_DEMO_TIMES"]

log = logging.getLogger(__name__)

#: label times of the demo's shipped-store part: t = 135 and 1000 (the MD chi4 peak), to keep the
#: whole demo within 10 minutes on 2 cores
SHIPPED_DEMO_TIMES = (20, 24)


@dataclass
class DemoOptions:
    """configurations / replicas override the quick preset's; times: label times trained;
    epoch_scale: fraction of the reference schedule's epochs (1 = all of them: the reference
    protocol costs ~20 s per GlassMLP on the shipped store's 8 training configurations); seed: the RNG seed of simulation and training;
    dataset: a shipped store instead of simulating."""

    configurations: int | None = None
    replicas: int | None = None
    times: int = 3
    epoch_scale: float = 1.0
    workers: int = 2
    seed: int = 1
    collective_epochs: int = 100
    skip_collective: bool = False
    dataset: str | None = None
    progress: bool = False


def run_demo(out, options: DemoOptions | None = None) -> dict:
    """Run the demo into ``out`` (a rerun resumes the simulation); returns the summary dict."""
    from .workflows import load_preset, read_store, shipped_store, simulate

    o = options or DemoOptions()
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if o.dataset:
        if o.configurations is not None or o.replicas is not None:
            raise ValueError("--configurations / --replicas apply to the simulated demo, not to a shipped --dataset")
        store = shipped_store(o.dataset)
        data = read_store(store)
        S, n_t, _ = data.labels("bond_breaking").shape
        log.info(f"glassdyn {__version__} demo -> {out}/  (shipped data set {o.dataset}: KA2D, "
                 f"T = {data.temperature:g}, {S} configurations x "
                 f"{int(data.attrs['n_replicas'])} replicas; made by `{data.attrs.get('generated_by', '?')}`)")
        log.info("[1/4] simulate: skipped (shipped data set)")
        summary = _learn(o, out, t0, store, json.loads(data.attrs["preset"]), n_t, 0.0)
        runs = [(f"shipped store ({o.dataset})", store, summary["evaluation"])]
    else:
        preset = load_preset("quick")
        campaign = preset["campaign"]
        if o.configurations is not None:
            campaign["n_configurations"] = o.configurations
        if o.replicas is not None:
            campaign["n_replicas"] = o.replicas
            campaign["replicas_per_unit"] = min(o.replicas, campaign["replicas_per_unit"])
        campaign["seed"] = o.seed
        T = preset["equilibration"]["temperature"]
        log.info(f"glassdyn {__version__} demo -> {out}/  (KA2D, T = {T}, {campaign['n_configurations']} "
                 f"configurations x {campaign['n_replicas']} replicas)")
        log.info("[1/4] simulate: equilibrate (MD + swap), quench, isoconfigurational replicas")
        store = simulate(preset, out / "quick.h5", workers=o.workers, progress=o.progress)
        summary = _learn(o, out, t0, store, preset, int(campaign["n_times"]), time.perf_counter() - t0)
        # the same models on the shipped T = 0.45 store, where the chi4 claim is measurable
        log.info("[5/5] the same pipeline on the shipped KA2D T = 0.45 store (24 configurations x 10 replicas)")
        shipped = shipped_store("ka2d-T0.45")
        data = read_store(shipped)
        s45 = _learn(o, out / "ka2d-T0.45", time.perf_counter(), shipped, json.loads(data.attrs["preset"]),
                     len(data.times), 0.0, with_collective=False, times=SHIPPED_DEMO_TIMES)
        runs = [(f"fresh simulation (T = {T:g})", store, summary["evaluation"]),
                ("shipped store (T = 0.45)", shipped, s45["evaluation"])]
    _claims_table(out, runs, o)
    from .report import write_report

    write_report(out)
    log.info(f"demo done in {time.perf_counter() - t0:.0f} s; report: {out / 'report.html'}")
    return summary


def _learn(o: DemoOptions, out: Path, t0: float, store, preset: dict, n_t: int, t_sim: float,
           with_collective: bool = True, times=None) -> dict:
    """Steps 2-4: train at ``o.times`` times in the second half of the log-spaced label times,
    evaluate on the test configurations, collective route, demo_summary.json."""
    from .io.provenance import save_json
    from .workflows.learning import evaluate_store, train_models

    if times is None:
        times = sorted(set(np.linspace(n_t // 2, n_t - 1, o.times).round().astype(int).tolist()))
    log.info(f"[2/4] train GlassMLP, MLP(mae), Ridge at {len(times)} times (epoch scale {o.epoch_scale})")
    train_models(store, out / "models", label="bond_breaking", species=0, times=times,
                 epoch_scale=o.epoch_scale, seed=o.seed, progress=o.progress, overwrite=True)
    t_train = time.perf_counter() - t0 - t_sim
    log.info("[3/4] evaluate on the test configurations")
    ev = evaluate_store(out / "models", store, out / "figures")
    collective = None
    if with_collective and not o.skip_collective:
        collective = _collective(out / "collective", o)
    summary = dict(version=__version__, preset=preset, dataset=o.dataset, store=str(store),
                   seconds=dict(simulate=t_sim, train=t_train, total=time.perf_counter() - t0),
                   table=ev.table(), collective=collective,
                   rho_p={k: v.tolist() for k, v in ev.results["rho"].items()},
                   rho_max=ev.results["rho_max"].tolist() if "rho_max" in ev.results else None,
                   times=ev.results["times"].tolist())
    save_json(out / "demo_summary.json", summary, parameters=asdict(o), seeds=o.seed, inputs=[store])
    log.info(f"done in {time.perf_counter() - t0:.0f} s: figures in {out / 'figures'}, table "
             f"{out / 'figures' / 'summary.md'}")
    return dict(summary, evaluation=ev)


def _collective(out: Path, o: DemoOptions) -> dict:
    """Seed 003 part on the shipped state library: FsMLP, MCT overlay, T_mct at rho = 1.2."""
    from .workflows.collective import evaluate_fsmlp_folder, library_tmct, train_fsmlp
    from .workflows.state_library import default_library, read_library

    t0 = time.perf_counter()
    log.info("[4/4] collective route (Ciarella 2023) on the shipped state library: FsMLP, MCT, T_mct")
    path = default_library()
    lib = read_library(path)
    train_fsmlp(lib, out, seed=o.seed, epochs=o.collective_epochs, source=path)
    result = evaluate_fsmlp_folder(lib, out, library_path=path)
    result.save(out)
    log.info(f"{result.summary()} -> {out}")
    tmct = {}
    for name, code in (("lj", 0), ("wca", 1)):
        try:
            tmct[name] = library_tmct(lib, code, 1.2)
        except ValueError as exc:
            tmct[name] = f"not bracketed: {exc}"
    log.info(f"  T_mct at rho = 1.2 from the library's S(k; T): {tmct} (paper Table I: LJ 0.90, WCA 0.74)")
    return dict(tmct_rho1_2=tmct, seconds=time.perf_counter() - t0, figures=str(out))


def _claims_table(out: Path, runs, o: DemoOptions) -> None:
    """One table: each Jung 2023 claim held or not on each data set, with the regime that limits it."""
    from .dynamics import relaxation_time
    from .io.provenance import save_text
    from .workflows import read_store

    header = "| Jung 2023 claim | " + " | ".join(name for name, _, _ in runs) + " |"
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
        types, cb = data.types, data.labels("bond_breaking")
        tau = relaxation_time(data.times, cb[:, :, types == 0].mean(axis=(0, 2)), 0.5)
        ceiling = ev.results.get("rho_max")
        text = (f"{name}: T = {data.temperature:g}, tau_alpha^BB = "
                f"{'beyond the run' if not np.isfinite(tau) else f'{tau:.3g}'}, {cb.shape[0]} configurations x "
                f"{int(data.attrs['n_replicas'])} replicas, "
                f"scored on the test split, t* = {ev.results['times'][ev.results['t_star']]:.3g}")
        if ceiling is not None:
            text += f", replica-noise ceiling rho_max(t*) = {ceiling[ev.results['t_star']]:.2f}"
        regime.append(text)
    lines += ["", "A claim is held only where the 95 % bootstrap interval over the test configurations (in "
              "brackets, of the paired difference to the baselines) lies wholly on its side, not held where it "
              "lies wholly on the other, undetermined otherwise."]
    lines += ["", "Regime of these data (the paper: KA2D T = 0.4 to 0.23, tau_alpha^BB = 1.7e3 to 4e6, 300 "
              "configurations x 20 replicas):"] + [f"- {r}" for r in regime] + [
        "", "To reach the paper's regime: `glassdyn simulate --preset ka2d-paper --scheduler ADDRESS` (a cluster: "
        "~120 core-hours at T = 0.4, ~1e4 at T = 0.3), then `glassdyn train` / `evaluate`; or a GlassBench "
        "download through `glassdyn glassbench FOLDER --out store.h5`."]
    save_text(out / "claims.md", "\n".join(lines), parameters=asdict(o), seeds=o.seed,
              inputs=[path for _, path, _ in runs])
    log.info("\n" + "\n".join(lines))
