"""S4(q, t), xi(t) and A(t) of temperature-transferred predictions on large swap-equilibrated systems
(issue 19; seed 000 Fig. 4: xi grows as T falls, the cubic term A grows at low T).

Needs a temperature-transferable model folder with a box-independent cut-off and the t/tau time
input (``glassdyn train --transferable --time-input t_over_tau --cutoff 16.448 --store ...``) and
stores of large equilibrated configurations (``glassdyn simulate --preset
benchmarks/configs/ka2d-T0.3-large.toml``: N = 20640, no replicas).  Each store is predicted at
t = f tau_alpha^BB(T) for f in --fractions, with tau from the seed where it gives one (T = 0.4, 0.3,
0.23) and else the folder's measured value; below the training temperatures every number is an
extrapolation of the network, said in the output.  ``--ridge`` adds Ridge trained on the same
stores at the same t / tau (no temperature input; ``matched_time_ridge``): its S4 changes between
temperatures come from the structure alone, the reference for what the network adds.  Each row also
prints the mean predicted C_B, which must be 0.5 at t = tau_alpha^BB (the definition of tau).

    python benchmarks/transfer_large_s4.py --models mT16/ --stores big03.h5 [big045.h5 ...] [--ridge]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from glassdyn.dynamics.heterogeneity import fit_s4, four_point_structure_factor
from glassdyn.io.stores import read_store
from glassdyn.workflows.learning import describe_store, model_descriptor
from glassdyn.workflows.transfer import transfer
from glassdyn.workflows.transferable import matched_time_ridge

#: tau_alpha^BB of KA2D from seed 000 (main text)
SEED_TAU_BB = {0.4: 1.7e3, 0.3: 3.4e4, 0.23: 4.0e6}


class StructuralRidge:
    """Ridge at matched t / tau on a transferable folder's training stores (their training split),
    with the folder's descriptor definition; ``predict(store, f)`` -> (S, N) on a large store."""

    def __init__(self, meta: dict):
        self.desc = model_descriptor(meta)
        self.species = meta["species"]
        self.stores = [read_store(s["store"]) for s in meta["stores"]]
        self.train = [s["split"]["train"] for s in meta["stores"]]
        self.taus = [s["tau_alpha_bb"] for s in meta["stores"]]
        self.features = [describe_store(st, descriptor=self.desc)[0] for st in self.stores]

    def predict(self, store, features, f: float):
        definition = self.desc.definition()
        model = matched_time_ridge(self.stores, self.features, self.train, self.taus, f, definition,
                                   species=self.species)
        return np.where(store.types == self.species, np.array(model.predict(list(features), definition)), 0.0)


def s4_row(T, f, t, q, s4, counts, n_configurations, model, mean):
    """One result row: the unweighted fit (``transfer``'s default) and the fit weighted by the
    counting error of each shell average (``fit_s4(counts=...)``), which the smallest shells (4 wave
    vectors here) need; xi, A and chi4~ are NaN where a fit does not fix xi.  ``mean``: the mean
    predicted C_B, 0.5 at t = tau_alpha^BB by the definition of tau (a check that can fail)."""
    row = dict(T=T, model=model, t_over_tau=f, t=t, s4_qmin=float(s4[0]), q_min=float(q[0]), mean=float(mean))
    for tag, n in (("", None), ("_weighted", n_configurations * counts)):
        try:
            fit = fit_s4(q, s4, counts=n)
        except (RuntimeError, ValueError):
            fit = None
        fit = fit if fit is not None and fit.determined else None
        row.update({k + tag: getattr(fit, k) if fit else float("nan") for k in ("xi", "xi_err", "A", "chi4")})
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", required=True)
    ap.add_argument("--stores", nargs="+", required=True)
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.03, 0.1, 0.3, 1.0])
    ap.add_argument("--ridge", action="store_true", help="add Ridge at matched t/tau (structure alone)")
    ap.add_argument("--out", default=None, help="write each transfer's figure, table and npz here")
    args = ap.parse_args()
    meta = json.loads((Path(args.models) / "models.json").read_text())
    if meta.get("time_input") != "t_over_tau":
        raise SystemExit("needs a model folder trained with --time-input t_over_tau")
    measured = {float(k): v for k, v in meta["tau_alpha_bb"].items()}
    print(f"model: trained at T = {meta['training_temperatures']} (tau_BB {measured}), t/tau range "
          + ", ".join(f"{10 ** x:.3g}" for x in meta["training_time_range"]))
    ridge = StructuralRidge(meta) if args.ridge else None
    rows = []
    for path in args.stores:
        store = read_store(path)
        T = store.temperature
        tau = SEED_TAU_BB.get(round(T, 3), measured.get(T))
        if tau is None:
            raise SystemExit(f"no tau_alpha^BB known at T = {T:g}: add it to SEED_TAU_BB or train there")
        times = [f * tau for f in args.fractions]
        res = transfer(args.models, store=path, times=times, tau=tau)
        if args.out:
            res.save(Path(args.out) / f"T{T:g}")
        notes = res.parameters["extrapolation"]
        print(f"\nT = {T:g}: {len(store)} configurations, N = {store.positions.shape[1]}, L = {store.box[0]:.4g}, "
              f"tau_BB = {tau:.4g} ({'seed' if round(T, 3) in SEED_TAU_BB else 'measured'}); "
              + ("EXTRAPOLATION: " + "; ".join(notes) if notes else "inside the training range"))
        mask = store.types == meta["species"]
        pred = res.predictions["transferable"][:, :, mask]
        found = [s4_row(T, f, times[j], *res.s4["transferable"][j], len(store), "GlassMLP(T)", pred[:, j].mean())
                 for j, f in enumerate(args.fractions)]
        if ridge is not None:
            feats = describe_store(store, descriptor=ridge.desc)[0]
            for j, f in enumerate(args.fractions):
                p = ridge.predict(store, feats, f)
                q, s4, counts = four_point_structure_factor(store.inherent, p, store.box, mask,
                                                            q_max=res.parameters["q_max"])
                found.append(s4_row(T, f, times[j], q, s4, counts, len(store), "Ridge (structure)",
                                    p[:, mask].mean()))
        for r in found:
            print(f"  {r['model']:18s} t/tau = {r['t_over_tau']:<5g} <C_B> = {r['mean']:.3f}   "
                  f"S4(q_min = {r['q_min']:.3f}) = "
                  f"{r['s4_qmin']:.3g}   xi = {r['xi']:.3g} +- {r['xi_err']:.2g}   A = {r['A']:.3g}   "
                  f"chi4~ = {r['chi4']:.3g}   weighted: xi = {r['xi_weighted']:.3g} +- {r['xi_err_weighted']:.2g}"
                  f"   A = {r['A_weighted']:.3g}")
        rows += found
    temps = sorted({r["T"] for r in rows}, reverse=True)
    pairs = [(m, t) for m in sorted({r["model"] for r in rows}) for t in ("", "_weighted")] if len(temps) > 1 else []
    for model, tag in pairs:
        mine = [r for r in rows if r["model"] == model]
        xi_max = {T: np.nanmax([r["xi" + tag] for r in mine if r["T"] == T]) for T in temps}
        a_at_tau = {T: next(r["A" + tag] for r in mine if r["T"] == T and r["t_over_tau"] == max(args.fractions))
                    for T in temps}
        print(f"\n{model}{' (weighted fit)' if tag else ''}: seed Fig. 4 trend: xi_max(T) = "
              + ", ".join(f"{xi_max[T]:.3g} (T = {T:g})" for T in temps)
              + f"; grows as T falls: {all(np.diff([xi_max[T] for T in temps]) > 0)}")
        print("    A(t = tau) = " + ", ".join(f"{a_at_tau[T]:.3g} (T = {T:g})" for T in temps))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "large_s4.json").write_text(json.dumps(dict(models=args.models, rows=rows), indent=1))


if __name__ == "__main__":
    main()
