"""``glassdyn collective train|predict|evaluate|transfer|tmct|memory`` (Ciarella 2023 route)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InputFileError
from ..io.provenance import provenance_json, save_text


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _library(args):
    from ..workflows.state_library import default_library, read_library

    path = args.library or default_library()
    return path, read_library(path)


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _plt().close(fig)


def _train(args) -> int:
    from ..workflows.collective import train_fsmlp

    path, lib = _library(args)
    train_fsmlp(lib, args.out, test_fraction=args.test_fraction, seed=args.seed, epochs=args.epochs, source=path)
    meta = json.loads((Path(args.out) / "fsmlp.json").read_text())
    print(f"model -> {args.out}/fsmlp.npz (test states {meta['split']['test']})")
    return 0


def _predict(args) -> int:
    from ..learn.fsmlp import FsMLP
    from ..workflows.state_library import INTERACTIONS

    model = FsMLP.load(Path(args.model) / "fsmlp.npz" if Path(args.model).is_dir() else args.model)
    data = np.loadtxt(args.sk, ndmin=2)
    if data.ndim != 2 or data.shape[1] != 4 or data.shape[0] != 100:
        raise InputFileError(f"{args.sk} must hold 100 rows of k, S_AA, S_AB, S_BB "
                         f"(the 100-point grid in [0, 40]); got shape {data.shape}")
    s = np.nan_to_num(data[:, 1:].T.ravel(), nan=0.0)
    t = np.geomspace(args.tmin, args.tmax, args.n_times)
    X = np.array([np.r_[s, args.temperature, args.rho, INTERACTIONS[args.interaction], np.log10(tt)] for tt in t])
    F = model.predict(X)
    out = Path(args.out)
    stamp = provenance_json(parameters=dict(temperature=args.temperature, rho=args.rho, interaction=args.interaction),
                            inputs=[args.model, args.sk])
    np.savetxt(out, np.c_[t, F], header=f"glassdyn {__version__} FsMLP: t F_s^AA(k_p,t) F_s^BB(k_p,t) "
               f"(T={args.temperature}, rho={args.rho}, {args.interaction})\nglassdyn-provenance: {stamp}")
    print(f"F_s(k_p, t) at {t.size} times -> {out}")
    return 0


def _evaluate(args) -> int:
    from ..workflows.collective import evaluate_fsmlp_folder

    path, lib = _library(args)
    result = evaluate_fsmlp_folder(lib, args.model, with_mct=not args.no_mct, library_path=path)
    result.save(args.out)
    print(f"{result.summary()} -> {args.out}")
    return 0


def _transfer(args) -> int:
    from ..workflows.collective import transfer_study

    path, lib = _library(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    lines = []
    for kind in args.kinds:
        r = transfer_study(lib, kind, seed=args.seed, epochs=args.epochs, t0=args.t0)
        ax.plot(r["t_over_tmct"], r["r2"], "o", label=f"{kind} (pooled R² = {r['r2_pooled']:.3f})")
        lines.append(f"{kind}: {len(r['train'])} training states, {len(r['states'])} test states, "
                     f"pooled R² = {r['r2_pooled']:.4f}, median per-state R² = {np.median(r['r2']):.4f}")
        print(lines[-1])
    ax.axhline(0.8, color="k", lw=0.5, ls="--")
    ax.set(xlabel="T / T_mct", ylabel="R² (test)", ylim=(min(0, ax.get_ylim()[0]), 1.02))
    ax.legend(fontsize=8)
    _save(fig, out / "transferability.png")
    save_text(out / "transfer.md", "\n".join(lines), parameters=dict(kinds=args.kinds, epochs=args.epochs, t0=args.t0),
              seeds=args.seed, inputs=[path])
    return 0


def _tmct(args) -> int:
    from ..workflows.collective import library_tmct
    from ..workflows.state_library import CIARELLA2023_TMCT

    path, lib = _library(args)
    rows = []
    for name, code in (("lj", 0), ("wca", 1)):
        for rho in sorted(set(np.round(lib.rho[lib.interaction == code], 3))):
            try:
                tc = f"{library_tmct(lib, code, rho):.3f}"
            except ValueError as exc:
                tc = f"not bracketed ({exc})"
            rows.append(f"| {name} | {rho:.1f} | {tc} | {CIARELLA2023_TMCT[(name, rho)]:.2f} |")
            print(rows[-1])
    if args.out:
        save_text(args.out, "| interaction | rho | T_mct (glassdyn) | T_mct (paper Table I) |\n|---|---|---|---|\n"
                  + "\n".join(rows), inputs=[path])
    return 0


def _memory(args) -> int:
    from ..workflows.collective import memory_kernels

    path, lib = _library(args)
    result = memory_kernels(lib, args.interaction, args.rho, n_exp=args.n_exp, states=args.states,
                            seed=args.seed, max_evaluations=args.max_evaluations, library_path=path)
    print(result.summary())
    result.save(args.out)
    return 0


def add_parsers(sub) -> None:
    c = sub.add_parser("collective", help="Ciarella 2023: S(k) -> F_s(k_p, t) FsMLP, transferability, MCT, "
                       "T_mct, memory kernels (on the shipped or a simulated state library)")
    cs = c.add_subparsers(dest="collective_command", required=True)

    def lib_arg(p):
        p.add_argument("--library", default=None, help="state library (default: the shipped one)")

    p = cs.add_parser("train", help="train the FsMLP (split by state point)")
    lib_arg(p)
    p.add_argument("--out", default="fsmlp")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--test-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_train)

    p = cs.add_parser("predict", help="F_s(k_p, t) from an S_ab(k) file (k, S_AA, S_AB, S_BB; 100 rows)")
    p.add_argument("--model", required=True)
    p.add_argument("--sk", required=True)
    p.add_argument("--temperature", type=float, required=True)
    p.add_argument("--rho", type=float, required=True)
    p.add_argument("--interaction", choices=["lj", "wca"], required=True)
    p.add_argument("--tmin", type=float, default=1e-2)
    p.add_argument("--tmax", type=float, default=1e3)
    p.add_argument("--n-times", type=int, default=60)
    p.add_argument("--out", default="fs_prediction.txt")
    p.set_defaults(func=_predict)

    p = cs.add_parser("evaluate", help="R² / RMSE on the held-out states; simulation vs FsMLP vs MCT")
    lib_arg(p)
    p.add_argument("--model", required=True, help="folder written by 'collective train'")
    p.add_argument("--no-mct", action="store_true")
    p.add_argument("--out", default="collective-evaluation")
    p.set_defaults(func=_evaluate)

    p = cs.add_parser("transfer", help="temperature and interaction transferability (paper Figs. 4-5)")
    lib_arg(p)
    p.add_argument("--kinds", nargs="+", default=["temperature", "lj->wca", "wca->lj"],
                   choices=["temperature", "lj->wca", "wca->lj"])
    p.add_argument("--t0", type=float, default=1.0, help="train on T / T_mct > t0 (temperature study)")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="collective-transfer")
    p.set_defaults(func=_transfer)

    p = cs.add_parser("tmct", help="T_mct of fit-parameter-free MCT from the library's S(k; T)")
    lib_arg(p)
    p.add_argument("--out", default=None, help="markdown table")
    p.set_defaults(func=_tmct)

    p = cs.add_parser("memory", help="CMA-ES stretched-exponential memory kernels of simulated F_s")
    lib_arg(p)
    p.add_argument("--interaction", choices=["lj", "wca"], default="lj")
    p.add_argument("--rho", type=float, default=1.2)
    p.add_argument("--states", type=int, default=5, help="number of temperatures (hot to cold)")
    p.add_argument("--n-exp", type=int, nargs="+", default=[1, 2])
    p.add_argument("--max-evaluations", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="collective-memory")
    p.set_defaults(func=_memory)
