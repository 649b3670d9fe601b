"""S4(q, t), xi(t) and A(t) of temperature-transferred predictions on large swap-equilibrated systems
(issue 19; seed 000 Fig. 4: xi grows as T falls, the cubic term A grows at low T).

Needs a temperature-transferable model folder with a box-independent cut-off and the t/tau time
input (``glassdyn train --transferable --time-input t_over_tau --cutoff 16.448 --store ...``) and
stores of large equilibrated configurations (``glassdyn simulate --preset
benchmarks/configs/ka2d-T0.3-large.toml``: N = 20640, no replicas).  Each store is predicted at
t = f tau_alpha^BB(T) for f in --fractions, with tau from the seed where it gives one (T = 0.4, 0.3,
0.23) and else the folder's measured value; below the training temperatures every number is an
extrapolation of the network, said in the output.

    python benchmarks/transfer_large_s4.py --models mT16/ --stores big03.h5 [big045.h5 ...]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from glassdyn.io.stores import read_store
from glassdyn.workflows.transfer import transfer

#: tau_alpha^BB of KA2D from seed 000 (main text)
SEED_TAU_BB = {0.4: 1.7e3, 0.3: 3.4e4, 0.23: 4.0e6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", required=True)
    ap.add_argument("--stores", nargs="+", required=True)
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.03, 0.1, 0.3, 1.0])
    ap.add_argument("--out", default=None, help="write each transfer's figure, table and npz here")
    args = ap.parse_args()
    meta = json.loads((Path(args.models) / "models.json").read_text())
    if meta.get("time_input") != "t_over_tau":
        raise SystemExit("needs a model folder trained with --time-input t_over_tau")
    measured = {float(k): v for k, v in meta["tau_alpha_bb"].items()}
    print(f"model: trained at T = {meta['training_temperatures']} (tau_BB {measured}), t/tau range "
          + ", ".join(f"{10 ** x:.3g}" for x in meta["training_time_range"]))
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
        for j, (f, fit) in enumerate(zip(args.fractions, res.fits["transferable"])):
            q, s4 = res.s4["transferable"][j]
            line = dict(T=T, t_over_tau=f, t=times[j], s4_qmin=float(s4[0]), q_min=float(q[0]),
                        xi=fit.xi if fit else float("nan"), xi_err=fit.xi_err if fit else float("nan"),
                        A=fit.A if fit else float("nan"), chi4=fit.chi4 if fit else float("nan"))
            rows.append(line)
            print(f"  t/tau = {f:<5g} S4(q_min = {q[0]:.3f}) = {s4[0]:.3g}   xi = {line['xi']:.3g} +- "
                  f"{line['xi_err']:.2g}   A = {line['A']:.3g}   chi4~ = {line['chi4']:.3g}")
    temps = sorted({r["T"] for r in rows}, reverse=True)
    if len(temps) > 1:
        xi_max = {T: np.nanmax([r["xi"] for r in rows if r["T"] == T]) for T in temps}
        a_at_tau = {T: next(r["A"] for r in rows if r["T"] == T and r["t_over_tau"] == max(args.fractions))
                    for T in temps}
        print("\nseed Fig. 4 trend: xi_max(T) = " + ", ".join(f"{xi_max[T]:.3g} (T = {T:g})" for T in temps)
              + f"; grows as T falls: {all(np.diff([xi_max[T] for T in temps]) > 0)}")
        print("                   A(t = tau) = " + ", ".join(f"{a_at_tau[T]:.3g} (T = {T:g})" for T in temps))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "large_s4.json").write_text(json.dumps(dict(models=args.models, rows=rows), indent=1))


if __name__ == "__main__":
    main()
