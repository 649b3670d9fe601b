"""What each training detail of GlassMLP costs or buys: the reference program's protocol against the
paper's text, glassdyn 0.1's, and the reference with one setting changed at a time (issue 28).

On one or more campaign stores of one state (default the shipped KA2D T = 0.45 store), one split by
configuration (``--n-test`` test, ``--n-val`` validation, the rest training; without ``--n-test``
the store's default thirds, as ``glassdyn train``), bond-breaking labels of species 0, each variant
is trained at each time index and scored on the same test configurations with
:class:`~glassdyn.learn.evaluation.PropensityEvaluation`: rho_P (mean over configurations), the
chi4 ratio to MD and the Wasserstein-1 distance / std at that time, each with its 95 % bootstrap
interval over test configurations, and the paired difference of rho_P to MLP(mae) (the paper: GlassMLP
"slightly" below it) with its interval.  Prints one line per (time, variant), and last
``glassmlp_minus_mlp_mae_t<t>=<x>`` of the default protocol for every time.  ``--results FILE`` keeps the rows (JSON).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from glassdyn.learn import GlassMLP, GlassMLPEnsemble, RidgeBaseline
from glassdyn.learn.evaluation import PropensityEvaluation
from glassdyn.learn.glassmlp import JUNG2023_SCHEDULE
from glassdyn.workflows.campaign import shipped_store
from glassdyn.workflows.learning import split_configurations

sys.path.insert(0, str(Path(__file__).parent))
from support.stores import load_stores  # noqa: E402

#: name -> GlassMLP parameters; "reference" is the default protocol, each "ref: ..." changes one setting
VARIANTS = {
    "reference": {},
    "ref: paper shells d=2,4,6, no row norm": dict(distances=(2.0, 4.0, 6.0), shell_norm="none"),
    "ref: paper phases 2, 4 (1000 epochs)": dict(schedule=JUNG2023_SCHEDULE),
    "ref: MAE / batch std (paper)": dict(mae_scale="configuration"),
    "ref: PyTorch init, Adam eps 1e-8": dict(init="torch", adam_eps=1e-8),
    "ref: shuffled, >= 100 updates/epoch": dict(order="shuffled", min_batches_per_epoch=100),
    "ref: constant columns kept": dict(min_feature_std=0.0),
    "paper": dict(protocol="paper"),
    "glassdyn-0.1": dict(protocol="glassdyn-0.1"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", action="append", help="campaign store (repeatable; default the shipped ka2d-T0.45)")
    ap.add_argument("--time-index", type=int, nargs="+", default=[20, 24], help="default t = 135, 1000")
    ap.add_argument("--n-test", type=int, default=None)
    ap.add_argument("--n-val", type=int, default=None)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), help=f"any of {list(VARIANTS)}")
    ap.add_argument("--ensemble", type=int, default=1, help="seeds averaged per network (the reference trains 8)")
    ap.add_argument("--epoch-scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--results", default=None, help="JSON file for the rows")
    args = ap.parse_args()
    t0 = time.perf_counter()
    X, Y, V, P, types, box, times = load_stores(args.store or [shipped_store("ka2d-T0.45")])
    m = types == 0
    if args.n_test is None:
        split = split_configurations(len(X), seed=args.seed)
    else:
        perm = np.random.default_rng(args.seed).permutation(len(X))
        n_val = args.n_val or args.n_test
        split = dict(test=perm[:args.n_test], validation=perm[args.n_test:args.n_test + n_val],
                     train=perm[args.n_test + n_val:])
    print(f"{len(X)} configurations: {len(split['train'])} training, {len(split['validation'])} validation, "
          f"{len(split['test'])} test; descriptors in {time.perf_counter() - t0:.0f} s", flush=True)
    x = lambda k: [X[c][m] for c in split[k]]
    pos = lambda k: [P[c][m] for c in split[k]]
    net = lambda **kw: GlassMLPEnsemble(GlassMLP(epoch_scale=args.epoch_scale, seed=args.seed, **kw),
                                        n_members=args.ensemble)
    rows, figures = [], []
    for ti in args.time_index:
        y = lambda k: [Y[c, ti][m] for c in split[k]]
        preds, seconds = {}, {}
        for name in ["Ridge", "MLP(mae)"] + args.variants:
            t1 = time.perf_counter()
            if name == "Ridge":
                model = RidgeBaseline(10.0).fit(x("train"), y("train"))
            elif name == "MLP(mae)":
                model = net(loss="mae").fit(x("train"), y("train"), x("validation"), y("validation"))
            else:
                model = net(**VARIANTS[name]).fit(x("train"), y("train"), x("validation"), y("validation"),
                                                  pos("train"), pos("validation"), box=box)
            preds[name] = np.array(model.predict(x("test")))[:, None]
            seconds[name] = time.perf_counter() - t1
        labels = np.array(y("test"))[:, None]
        ev = PropensityEvaluation(box).compute([times[ti]], labels, preds, np.array(pos("test")))
        table = {r["source"]: r for r in ev.table()}
        for name in preds:
            r = table[name]
            gap, (lo, hi) = ev.paired_difference(name, "MLP(mae)") if name != "MLP(mae)" else (0.0, (0.0, 0.0))
            row = dict(t=float(times[ti]), variant=name, rho=r["rho_P_at_t_star"], rho_ci=r["rho_P_ci"],
                       gap_to_mlp_mae=gap, gap_ci=(lo, hi), chi4_ratio=r["chi4_ratio"], chi4_ci=r["chi4_ratio_ci"],
                       w1=r["wasserstein"], w1_ci=r["wasserstein_ci"], seconds=seconds[name])
            rows.append(row)
            print(f"t = {row['t']:6.4g}  {name:38s} rho_P {row['rho']:.3f} [{r['rho_P_ci'][0]:.3f}, "
                  f"{r['rho_P_ci'][1]:.3f}]  - MLP(mae) {gap:+.3f} [{lo:+.3f}, {hi:+.3f}]  chi4/MD "
                  f"{row['chi4_ratio']:.2f} [{r['chi4_ratio_ci'][0]:.2f}, {r['chi4_ratio_ci'][1]:.2f}]  W1 "
                  f"{row['w1']:.3f} [{r['wasserstein_ci'][0]:.3f}, {r['wasserstein_ci'][1]:.3f}]  "
                  f"({seconds[name]:.0f} s)", flush=True)
        if "reference" in preds:
            figures.append(f"glassmlp_minus_mlp_mae_t{times[ti]:.4g}="
                           f"{ev.paired_difference('reference', 'MLP(mae)')[0]:.3f}")
        if args.results:
            Path(args.results).write_text(json.dumps(dict(args=vars(args), split={k: [int(c) for c in v] for k, v in
                                                                                 split.items()}, rows=rows), indent=1))
    print(f"total {time.perf_counter() - t0:.0f} s")
    print("\n".join(figures))


if __name__ == "__main__":
    main()
