"""Is there anything beyond Ridge to learn from 8-10 BOTAN training configurations?

Context for ``paper_claims.py``: its target (GlassMLP rho_P above Ridge) needs a nonlinear model to
find signal that the linear one misses, since the paper's spatial loss term can only trade rho_P for
the shape of the field (paper SM III: MLP(mae) >= GlassMLP).  This script fits, on the same 192 3D
descriptors and displacement labels of the A particles (configurations 1-8 train, 9-10 validate,
401-405 test):

- Ridge (alpha chosen on the validation configurations) on 8 and on all 10 configurations,
- MLP(mae) with the paper's bottleneck (2-10-10) and without it (32-32), the paper's schedule
  shortened by ``--epoch-scale``,
- a 5-fold cross-ensemble of MLP(mae) that trains on all 10 configurations (each member validates
  on a different pair),
- gradient-boosted trees (scikit-learn HistGradientBoostingRegressor, iterations chosen on the
  validation configurations),

and prints each test-set rho_P (mean over the 5 test configurations) and its training rho_P.
Last line: ``best_nonlinear_minus_ridge=<x>`` (best of the nonlinear models minus the better Ridge).
Uses the cache of ``paper_claims.py --cache`` when given (same format).
"""
import argparse
import sys
import time

import numpy as np

from glassdyn.learn import GlassMLP, GlassMLPEnsemble, RidgeBaseline, mean_pearson
from paper_claims import ROOT, data


class _Mean:
    """Mean prediction of models trained on different folds."""

    def __init__(self, models):
        self.models = models

    def predict(self, X):
        return [np.mean([m.predict(x) for m in self.models], axis=0) for x in X]


class _Trees:
    """Gradient-boosted trees in the list-over-configurations API; number of iterations chosen on
    the validation configurations."""

    def __init__(self, X, y, Xv, yv):
        from sklearn.ensemble import HistGradientBoostingRegressor

        best = -np.inf
        for n in (50, 100, 200, 400):
            self.model = HistGradientBoostingRegressor(max_iter=n, learning_rate=0.05, early_stopping=False,
                                                       random_state=0).fit(np.concatenate(X), np.concatenate(y))
            r = _rho(self, Xv, yv)
            if r > best:
                best, best_model, self.n_iter = r, self.model, n
        self.model = best_model

    def predict(self, X):
        return [self.model.predict(x) for x in X]


def _rho(model, X, y) -> float:
    return mean_pearson(model.predict(X), y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=None)
    ap.add_argument("--epoch-scale", type=float, default=0.2)
    args = ap.parse_args()
    if not ROOT.is_dir():
        sys.exit(f"{ROOT} not found")
    train, test = data(args.cache)
    X10, y10 = [d[0] for d in train], [d[1] for d in train]
    X, y, Xv, yv = X10[:8], y10[:8], X10[8:], y10[8:]
    Xt, yt = [d[0] for d in test], [d[1] for d in test]
    alphas = [0.1, 1.0, 10.0, 100.0, 1000.0]
    alpha = max(alphas, key=lambda a: _rho(RidgeBaseline(a).fit(X, y), Xv, yv))
    t0 = time.perf_counter()
    mlp = dict(loss="mae", epoch_scale=args.epoch_scale)

    def fold_member(k):
        """MLP(mae) validated on configurations 2k, 2k + 1 and trained on the other eight."""
        tr, va = [i for i in range(10) if i // 2 != k], [2 * k, 2 * k + 1]
        return GlassMLP(seed=k, **mlp).fit([X10[i] for i in tr], [y10[i] for i in tr],
                                           [X10[i] for i in va], [y10[i] for i in va])

    linear = {f"Ridge (alpha {alpha:g}, 8 configurations)": RidgeBaseline(alpha).fit(X, y),
              f"Ridge (alpha {alpha:g}, 10 configurations)": RidgeBaseline(alpha).fit(X10, y10)}
    nonlinear = {
        "MLP(mae) 2-10-10 (seed)": GlassMLP(**mlp).fit(X, y, Xv, yv),
        "MLP(mae) 2-10-10, mean of 3 seeds": GlassMLPEnsemble(GlassMLP(**mlp), n_members=3).fit(X, y, Xv, yv),
        "MLP(mae) 32-32 (no bottleneck)": GlassMLP(bottleneck=32, hidden=(32,), **mlp).fit(X, y, Xv, yv),
        "MLP(mae) 2-10-10, 5-fold ensemble (10 configurations)": _Mean([fold_member(k) for k in range(5)]),
    }
    trees = _Trees(X, y, Xv, yv)
    nonlinear[f"gradient-boosted trees ({trees.n_iter} iterations)"] = trees
    print(f"fits: {time.perf_counter() - t0:.0f} s")
    rho = {}
    for name, m in {**linear, **nonlinear}.items():
        rho[name] = _rho(m, Xt, yt)
        print(f"{name:55s} test rho_P = {rho[name]:.3f}   train rho_P = {_rho(m, X, y):.3f}")
    best = max(rho[n] for n in nonlinear) - max(rho[n] for n in linear)
    print(f"best_nonlinear_minus_ridge={best:.3f}")


if __name__ == "__main__":
    main()
