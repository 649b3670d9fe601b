"""FsMLP quality on held-out state points of the shipped library (Ciarella 2023 Figs. 2-3).

Split by state point: 10 % of the states held out (paper protocol), ``--folds k`` repeats it over k
disjoint held-out sets (k-fold by state) for a less noisy figure.  Prints per-state R² and RMSE
with T / T_mct, the pooled R², and last line fsmlp_r2_test=<x>: the mean per-state R² over held-out
states with T >= T_mct (target >= 0.9; paper Fig. 3 reports ~1 there).
Usage: python benchmarks/fsmlp_quality.py [--library PATH] [--folds K] [--epochs E]
"""
import argparse
import time

import numpy as np

from glassdyn.learn.fsmlp import FsMLP, library_rows
from glassdyn.workflows.collective import evaluate_fsmlp
from glassdyn.workflows.state_library import default_library, read_library


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", default=None)
    ap.add_argument("--folds", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    lib = read_library(args.library or default_library())
    n = len(lib["temperature"])
    perm = np.random.default_rng(args.seed).permutation(n)
    n_test = max(1, round(0.1 * n))
    ratios, r2s = [], []
    for fold in range(args.folds):
        test = sorted(perm[fold * n_test:(fold + 1) * n_test].tolist())
        train = sorted(set(range(n)) - set(test))
        X, y, _, _ = library_rows(lib, train)
        t0 = time.perf_counter()
        model = FsMLP(epochs=args.epochs, seed=args.seed).fit(X, y)
        res = evaluate_fsmlp(model, lib, test)
        print(f"fold {fold}: {len(train)} training states ({len(X)} rows) trained in "
              f"{time.perf_counter() - t0:.0f} s; pooled R² = {res['r2_pooled']:.4f}")
        for i, x, r, e in zip(test, res["t_over_tmct"], res["r2"], res["rmse"]):
            print(f"  state {i:3d}  {'LJ ' if lib['interaction'][i] == 0 else 'WCA'} rho={lib['rho'][i]:.1f} "
                  f"T={lib['temperature'][i]:.4g}  T/T_mct={x:.2f}  R²={r:.4f}  RMSE={e:.4f}")
        ratios += res["t_over_tmct"].tolist()
        r2s += res["r2"].tolist()
    ratios, r2s = np.array(ratios), np.array(r2s)
    above = ratios >= 1.0 - 1e-9
    print(f"mean R² over all held-out states: {r2s.mean():.4f} ({len(r2s)} states); "
          f"below T_mct: {r2s[~above].mean() if (~above).any() else float('nan'):.4f}")
    print(f"fsmlp_r2_test={r2s[above].mean():.4f}")


if __name__ == "__main__":
    main()
