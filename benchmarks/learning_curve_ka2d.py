"""rho_P of Ridge, MLP(mae) and GlassMLP against the number of training configurations (KA2D).

The paper trains on 100 configurations; the BOTAN benchmark has 8.  This script asks how the
ranking of the three models changes with the training-set size, on bond-breaking propensities of
species 1 from one or more glassdyn campaign stores of the same system and temperature (default the
shipped ``ka2d-T0.45`` store, 24 configurations; add more with ``--store``).  A fixed random set of
configurations is the test set (``--n-test``), the next ``--n-val`` validate (early stopping, Ridge
alpha), and the models train on the first n of the rest for n = 2, 4, 8, ... up to all of them
(or ``--sizes``); ``--ensemble k`` averages k seeds per network model.  GlassMLP is trained with
the paper's loss and with the label-noise correction (``label_noise``, the replica variance /
n_replicas of each configuration).  Prints one line per (time, n) with the
test set's expected noise ceiling rho_max, then the noise-corrected GlassMLP minus Ridge and, last,
``mlp_minus_ridge_at_largest=<x>`` (MLP(mae) minus Ridge), both at the largest n and the last time
index asked for.
"""
import argparse
import time

import numpy as np

from glassdyn.learn import GlassMLP, GlassMLPEnsemble, RidgeBaseline, mean_pearson
from glassdyn.workflows.campaign import shipped_store
from support.stores import load_stores


def _rho(model, X, y) -> float:
    return mean_pearson(model.predict(X), y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", action="append", help="campaign store (repeatable; default the shipped ka2d-T0.45)")
    ap.add_argument("--time-index", type=int, nargs="+", default=[-2, -1])
    ap.add_argument("--n-test", type=int, default=6)
    ap.add_argument("--n-val", type=int, default=4)
    ap.add_argument("--sizes", type=int, nargs="+", help="training-set sizes (default 2, 4, 8, ... and all)")
    ap.add_argument("--epoch-scale", type=float, default=0.2)
    ap.add_argument("--ensemble", type=int, default=1, help="seeds averaged per network model")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    X, Y, V, P, types, box, times = load_stores(args.store or [shipped_store("ka2d-T0.45")])
    m = types == 0
    perm = np.random.default_rng(args.seed).permutation(len(X))
    test, val, pool = perm[:args.n_test], perm[args.n_test:args.n_test + args.n_val], perm[args.n_test + args.n_val:]
    sizes = args.sizes or [n for n in 2 ** np.arange(1, 12) if n < len(pool)] + [len(pool)]
    if max(sizes) > len(pool) or min(sizes) < 1:
        raise SystemExit(f"--sizes must lie in 1..{len(pool)} (the configurations left for training)")
    print(f"{len(X)} configurations ({len(pool)} for training, {len(val)} validation, {len(test)} test); "
          f"descriptors in {time.perf_counter() - t0:.0f} s")
    x = lambda idx: [X[c][m] for c in idx]
    pos = lambda idx: [P[c][m] for c in idx]
    net = lambda **kw: GlassMLPEnsemble(GlassMLP(epoch_scale=args.epoch_scale, **kw), n_members=args.ensemble)
    for ti in args.time_index:
        y = lambda idx: [Y[c, ti][m] for c in idx]
        nu = lambda idx: [V[c, ti][m].mean() for c in idx]
        rho_max = np.mean([np.sqrt(max(0.0, 1 - v / t.var())) for v, t in zip(nu(test), y(test))])
        for n in sizes:
            tr = pool[:n]
            alpha = max((0.1, 1.0, 10.0, 100.0, 1000.0),
                        key=lambda a: _rho(RidgeBaseline(a).fit(x(tr), y(tr)), x(val), y(val)))
            rho = dict(ridge=_rho(RidgeBaseline(alpha).fit(x(tr), y(tr)), x(test), y(test)))
            rho["mlp"] = _rho(net(loss="mae").fit(x(tr), y(tr), x(val), y(val)), x(test), y(test))
            rho["glassmlp"] = _rho(net().fit(
                x(tr), y(tr), x(val), y(val), pos(tr), pos(val), box=box), x(test), y(test))
            rho["corrected"] = _rho(net().fit(
                x(tr), y(tr), x(val), y(val), pos(tr), pos(val), box=box, label_noise=nu(tr),
                label_noise_val=nu(val)), x(test), y(test))
            print(f"t = {times[ti]:7.4g}  n_train = {n:3d}:  Ridge (alpha {alpha:g}) {rho['ridge']:.3f}   "
                  f"MLP(mae) {rho['mlp']:.3f}   GlassMLP {rho['glassmlp']:.3f}   "
                  f"GlassMLP noise-corrected {rho['corrected']:.3f}   (rho_max {rho_max:.3f}) "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"glassmlp_corrected_minus_ridge_at_largest={rho['corrected'] - rho['ridge']:.3f}")
    print(f"mlp_minus_ridge_at_largest={rho['mlp'] - rho['ridge']:.3f}")


if __name__ == "__main__":
    main()
