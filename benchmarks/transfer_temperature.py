"""Leave-one-temperature-out benchmark of the temperature-transferable GlassMLP (issue 19).

For each training temperature T_h: one TransferableGlassMLP trained on the other stores (never
seeing T_h) against GlassMLP trained natively at T_h (one network per label time, the paper's
set-up), both scored on T_h's test configurations at the same label times: rho_P (mean over
configurations) and chi4 / chi4_MD at the MD chi4 peak t*.  Two time inputs: log10 t, and
log10 t / tau_alpha^BB with tau at T_h from an Arrhenius fit of the training temperatures' measured
tau (what a user at an unmeasured temperature has; the measured tau at T_h is never used).  A
TransferableGlassMLP trained on every store's training configurations (T_h included) separates
the cost of one shared network from the cost of extrapolating.  Ridge rows: one linear model per
time without any state input, trained on the other temperatures' configurations at the same
t / tau_alpha^BB (Arrhenius tau at T_h), against Ridge trained natively at T_h.  The matched-t/tau
baseline of the temperature-input network (issue 28): GlassMLP without any state input, one network
per time trained on the other temperatures' configurations at the same t / tau_alpha^BB
(``matched_time_model``), and the plain T_n folder of the nearest other temperature asked at T_h
through ``predict(..., state=...)`` (the matched reduced time, what ``glassdyn predict --temperature
--time --tau`` does on a one-temperature folder).

Stores (defaults): benchmarks/configs/ka2d-T0.6-transfer.toml and ka2d-T0.5-transfer.toml
(``glassdyn simulate --preset ... --out runs/ka2d_T0.6_transfer.h5``) and the shipped T = 0.45 store.

    python benchmarks/transfer_temperature.py [--stores A.h5 B.h5 ...] [--epoch-scale 0.1]

Prints one line per held-out temperature and model (rho_P(t*) with its standard error over the test
configurations, chi4 ratio with its 95 % bootstrap interval), then `transfer_cost_rho_<T> = <native -
transfer>` and `transfer_gain_over_matched_baseline=<rho_P(t/tau network) - rho_P(matched t/tau
GlassMLP)>` with the interval of the paired difference.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from glassdyn.io.stores import read_store
from glassdyn.learn.evaluation import PropensityEvaluation
from glassdyn.workflows.campaign import shipped_store
from glassdyn.workflows.learning import describe_store, predict, train_models
from glassdyn.workflows.transferable import (label_time_indices, matched_time_model, matched_time_ridge,
                                            tau_alpha_bb, train_transferable)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STORES = [ROOT / "runs/ka2d_T0.6_transfer.h5", ROOT / "runs/ka2d_T0.5_transfer.h5",
                  shipped_store("ka2d-T0.45")]


def arrhenius_tau(temps, taus, T):
    """tau(T) of the Arrhenius law log tau = a + b / T through the given points (least squares)."""
    b, a = np.polyfit(1.0 / np.asarray(temps), np.log(taus), 1)
    return float(np.exp(a + b / T))


def ridge(desc, stores, splits, sources, tau_h, taus, times, X, definition):
    """(S_test, n_t, N) predictions of Ridge (alpha 10, no state input) trained on the training
    configurations of ``sources`` at the times of equal t / tau_alpha^BB (tau_h at the target)."""
    out = np.zeros((len(X), len(times), X.shape[1]))
    for j, t in enumerate(times):
        model = matched_time_ridge([stores[k] for k in sources], [desc[k][0] for k in sources],
                                   [splits[k]["train"] for k in sources], [taus[k] for k in sources],
                                   t / tau_h, definition)
        out[:, j] = np.array(model.predict(list(X), definition))
    return out


def matched_glassmlp(desc, stores, splits, sources, tau_h, taus, times, X, definition, options):
    """(S_test, n_t, N) predictions of GlassMLP without a state input, one network per time trained on
    ``sources`` at equal t / tau_alpha^BB (``matched_time_model``)."""
    out = np.zeros((len(X), len(times), X.shape[1]))
    for j, t in enumerate(times):
        model = matched_time_model([stores[k] for k in sources], [desc[k][0] for k in sources],
                                   [splits[k] for k in sources], [taus[k] for k in sources], t / tau_h, definition,
                                   "glassmlp", options)
        out[:, j] = np.array(model.predict(list(X), definition))
    return out


def score(store, test, t_idx, predictions):
    """PropensityEvaluation of {name: (S_test, T, N)} against the store's labels on ``test``."""
    labels = store.labels("bond_breaking")[test][:, t_idx]
    ev = PropensityEvaluation(store.box, store.types == 0).compute(store.times[t_idx], labels, predictions,
                                                                 store.inherent[test])
    return ev


def _same_training(folder: Path, common: dict, stores) -> bool:
    """Whether ``folder`` holds a transferable model trained with these options on these stores."""
    try:
        meta = json.loads((folder / "models.json").read_text())
    except OSError:
        return False
    return (all(meta[k] == v for k, v in common.items())
            and [s["store"] for s in meta["stores"]] == [str(Path(p).resolve()) for p in stores])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stores", nargs="+", default=[str(p) for p in DEFAULT_STORES])
    ap.add_argument("--epoch-scale", type=float, default=1.0, help="fraction of the reference schedule's epochs")
    ap.add_argument("--n-times", type=int, default=8, help="label times per store for the transferable model")
    ap.add_argument("--eval-times", type=int, default=4, help="label times scored (and natively trained) per store")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--held-out", type=float, nargs="+", default=None,
                    help="held-out temperatures to score (default every store's)")
    ap.add_argument("--out", default=None, help="keep the model folders and results.json here")
    args = ap.parse_args()
    work = Path(args.out or tempfile.mkdtemp(prefix="transfer_temperature_"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    stores = [read_store(p) for p in args.stores]
    temps = [s.temperature for s in stores]
    taus = [tau_alpha_bb(s) for s in stores]
    desc = [describe_store(s) for s in stores]
    print("stores: " + ", ".join(f"T = {T:g} ({len(s)} configurations x {int(s.replicas_done.min())} replicas, "
                                  f"tau_BB = {tau:.4g})" for T, s, tau in zip(temps, stores, taus)))
    print(f"descriptors: {time.perf_counter() - t0:.0f} s; epoch scale {args.epoch_scale}")
    common = dict(n_times=args.n_times, epoch_scale=args.epoch_scale, seed=args.seed)
    everywhere = work / "all_temperatures"
    if not _same_training(everywhere, common, args.stores):  # reuse the all-T model of an identical run
        train_transferable(args.stores, everywhere, descriptors=desc, overwrite=True, **common)
    results = []
    for h, (store, T) in enumerate(zip(stores, temps)):
        if args.held_out is not None and not any(np.isclose(T, x) for x in args.held_out):
            continue
        others = [k for k in range(len(stores)) if k != h]
        meta_all = json.loads((everywhere / "models.json").read_text())
        split = meta_all["stores"][h]["split"]  # the same seeded split in every training
        test = split["test"]
        t_idx = label_time_indices(store, "bond_breaking", 0, args.eval_times)
        times = store.times[t_idx].tolist()
        X = desc[h][0][test]
        definition = desc[h][1]
        preds = {}
        for time_input in ("log_t", "t_over_tau"):
            folder = work / f"without_T{T:g}_{time_input}"
            train_transferable([args.stores[k] for k in others], folder, time_input=time_input,
                               descriptors=[desc[k] for k in others], overwrite=True, **common)
            state = dict(temperature=T, times=times)
            if time_input == "t_over_tau":
                state["tau"] = arrhenius_tau([temps[k] for k in others], [taus[k] for k in others], T)
            preds[f"transfer ({time_input})"] = predict(folder, X, definition, state=state)["transferable"]
        preds["all T (log_t)"] = predict(everywhere, X, definition, state=dict(temperature=T, times=times))["transferable"]
        native = work / f"native_T{T:g}"
        train_models(args.stores[h], native, kinds=("glassmlp",), times=t_idx, epoch_scale=args.epoch_scale,
                     seed=args.seed, split=split, descriptors=desc[h], overwrite=True)
        preds["native GlassMLP"] = predict(native, X, definition)["glassmlp"]
        splits = [m["split"] for m in meta_all["stores"]]
        tau_h = arrhenius_tau([temps[k] for k in others], [taus[k] for k in others], T)
        preds["Ridge, other T (t/tau)"] = ridge(desc, stores, splits, others, tau_h, taus, times, X, definition)
        preds["native Ridge"] = ridge(desc, stores, splits, [h], taus[h], taus, times, X, definition)
        preds["GlassMLP, other T (t/tau)"] = matched_glassmlp(desc, stores, splits, others, tau_h, taus, times, X,
                                                              definition, dict(epoch_scale=args.epoch_scale,
                                                                               seed=args.seed))
        nearest = min(others, key=lambda k: abs(temps[k] - T))
        native_near = work / f"native_T{temps[nearest]:g}_for_T{T:g}"
        valid = label_time_indices(stores[nearest], "bond_breaking", 0, None)
        near_t = stores[nearest].times[valid]
        near_idx = sorted({valid[int(np.clip(np.searchsorted(near_t, t * taus[nearest] / tau_h) + d, 0, len(valid) - 1))]
                           for t in times for d in (-1, 0)})  # the trained times bracketing each matched time
        train_models(args.stores[nearest], native_near, kinds=("glassmlp",), times=near_idx,
                     epoch_scale=args.epoch_scale, seed=args.seed, split=splits[nearest], descriptors=desc[nearest],
                     overwrite=True)
        try:
            preds[f"T = {temps[nearest]:g} folder, matched t"] = predict(
                native_near, X, definition, state=dict(temperature=T, times=times, tau=tau_h))["glassmlp"]
        except ValueError as exc:  # matched times outside the folder's trained times
            print(f"  (T = {temps[nearest]:g} folder at matched t: {exc})")
        types = store.types == 0
        preds = {k: np.where(types[None, None], v, 0.0) for k, v in preds.items()}
        ev = score(store, test, t_idx, preds)
        r = ev.results
        ts = r["t_star"]
        print(f"\nT = {T:g} held out ({len(test)} test configurations; times {', '.join(f'{t:.4g}' for t in times)}; "
              f"t* = {times[ts]:.4g}, tau_BB measured {taus[h]:.4g}"
              + (f", Arrhenius from the others {state['tau']:.4g}" if "tau" in state else "") + ")")
        row = dict(temperature=T, times=times, t_star=times[ts], test=test, models={})
        table = {x["source"]: x for x in ev.table()}
        for name in preds:
            chi = float(r["chi4"][name][ts] / r["chi4"]["MD"][ts])
            lo, hi = table[name]["chi4_ratio_ci"]
            err = r["rho_std"][name][ts] / np.sqrt(len(test))
            print(f"  {name:26s} rho_P(t) = " + " ".join(f"{v:.3f}" for v in r["rho"][name])
                  + f"   rho_P(t*) = {r['rho'][name][ts]:.3f} +- {err:.3f}   chi4/MD(t*) = {chi:.2f} [{lo:.2f}, {hi:.2f}]")
            row["models"][name] = dict(rho=r["rho"][name].tolist(), rho_t_star=float(r["rho"][name][ts]),
                                       rho_t_star_error=float(err), chi4_ratio=chi, chi4_ratio_ci=[lo, hi])
        cost = row["models"]["native GlassMLP"]["rho_t_star"] - row["models"]["transfer (log_t)"]["rho_t_star"]
        print(f"transfer_cost_rho_{T:g} = {cost:.3f}")
        gain, (lo, hi) = ev.paired_difference("transfer (t_over_tau)", "GlassMLP, other T (t/tau)")
        row["transfer_gain_over_matched_baseline"] = dict(value=gain, interval=[lo, hi])
        print(f"T = {T:g}: transfer_gain_over_matched_baseline={gain:.3f} [{lo:.3f}, {hi:.3f}]")
        results.append(row)
    summary = dict(stores=[str(p) for p in args.stores], temperatures=temps, tau_alpha_bb=taus,
                   epoch_scale=args.epoch_scale, seed=args.seed)
    try:  # rows of other held-out temperatures from an earlier run with the same settings are kept
        earlier = json.loads((work / "results.json").read_text())
    except OSError:
        earlier = {}
    if all(earlier.get(k) == v for k, v in summary.items()):
        done = [row["temperature"] for row in results]
        results = [row for row in earlier["rows"] if not np.isclose(row["temperature"], done).any()] + results
    (work / "results.json").write_text(json.dumps(dict(summary, rows=results), indent=1))
    print(f"\n{time.perf_counter() - t0:.0f} s in all; models and results.json in {work}")


if __name__ == "__main__":
    main()
