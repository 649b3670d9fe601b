"""Analysis commands: ``analyse`` (S(k), replica dynamics, heterogeneity of your trajectories) and
``mct`` (solve, critical point, memory-kernel fit)."""
from __future__ import annotations

import sys

import numpy as np

from ..errors import UsageError


def _analyse(args) -> int:
    from ..dynamics.replicas import heterogeneity, replica_dynamics
    from .glassmlp import note_inferred_species
    from ..io import read_trajectory
    from ..structure import StructureFactor
    from ..systems import get_potential

    trajs = [read_trajectory(p, args.format, dt=args.dt) for p in args.inputs]
    if args.what == "sk":
        confs = [t.frame(i) for t in trajs for i in range(t.n_frames)][:: args.every]
        note_inferred_species(confs[0], args.inputs[0])
        result = StructureFactor(k_max=args.kmax, n_bins=args.bins).compute(confs)
        result.inputs = tuple(args.inputs)
    elif args.what == "heterogeneity":
        r = args.replicas
        if len(trajs) % r or len(trajs) // r < 2:
            raise UsageError("need >= 2 configurations, each with --replicas files")
        groups = [trajs[c * r:(c + 1) * r] for c in range(len(trajs) // r)]
        names = [args.inputs[c * r:(c + 1) * r] for c in range(len(trajs) // r)]
        result = heterogeneity(groups, get_potential(args.potential), species=args.species, time=args.time,
                               q_max=args.qmax, names=names)
    else:  # dynamics of isoconfigurational replicas sharing frame 0
        result = replica_dynamics(trajs, get_potential(args.potential), k=args.k, names=args.inputs)
    if args.what != "sk" and not trajs[0].dt:
        print("note: no --dt given: times are MD steps, not time units")
    print(result.summary())
    result.save(args.out)
    return 0


def _show(result, out) -> int:
    """Print a result's summary; save it into ``out`` when given."""
    print(result.summary())
    if out:
        path = result.save(out)
        print(f"  wrote {path} and {path.with_suffix('.png').name}")
    return 0


def _fit_memory(args) -> int:
    from ..io.tables import read_columns
    from ..theory.memory_fit import fit_memories

    data = read_columns(args.target, "t, F(t)")
    result = fit_memories(data[:, 0], data[:, 1], args.omega2, F0=args.f0, n_exp=args.n_exp, seed=args.seed,
                          max_evaluations=args.max_evaluations, source=args.target)
    return _show(result, args.out)


def _exact_memory(args) -> int:
    from ..io.tables import read_columns
    from ..theory import memory_from_data

    data = read_columns(args.target, "t, F(t)")
    result = memory_from_data(data[:, 0], data[:, 1], args.omega2, F0=args.f0, alpha=1.0 if args.newtonian else 0.0,
                              beta=0.0 if args.newtonian else 1.0, n=args.block, noise=args.noise, seed=args.seed)
    result.inputs = (args.target,)
    return _show(result, args.out)


def _mct(args) -> int:
    from ..io.tables import read_structure_factor
    from ..theory import (HARD_SPHERE_DIMENSIONS, OneComponentMCT, critical_point, hard_sphere_density,
                          hard_sphere_structure_factor, midpoint_grid, solve_mct)

    if args.mct_command == "fit-memory":
        return _fit_memory(args)
    if args.mct_command == "exact-memory":
        return _exact_memory(args)
    d = args.dimension
    if args.mct_command == "critical":
        if d not in HARD_SPHERE_DIMENSIONS:
            raise UsageError(f"no closed-form hard-sphere S(k) in d = {d}: --dimension takes "
                             f"{sorted(HARD_SPHERE_DIMENSIONS)} here (mct solve --sk FILE takes any d >= 2)")
        k = midpoint_grid(args.nk, args.kmax)
        lo = _PHI_BRACKET[d][0] if args.lo is None else args.lo
        hi = _PHI_BRACKET[d][1] if args.hi is None else args.hi
        if not lo < hi:
            raise UsageError(f"--lo {lo:g} must lie below --hi {hi:g}")
        hi = _valid_upper_end(lambda p: hard_sphere_structure_factor(k, p, d), lo, hi, explicit=args.hi is not None)
        phi_c = critical_point(lambda p: OneComponentMCT(k, hard_sphere_structure_factor(k, p, d),
                                                         hard_sphere_density(p, d), dimension=d),
                               lo, hi, tol=args.tol, max_iterations=args.max_iterations)
        print(f"hard spheres in d = {d} ({HARD_SPHERE_DIMENSIONS[d]}), N_k={args.nk}, k_max={args.kmax}: "
              f"phi_c = {phi_c:.7f}")
        return 0
    if args.sk:
        k, S = read_structure_factor(args.sk)
        if args.rho is None:
            raise UsageError("--rho is required with --sk")
        rho, label = args.rho, args.sk
    else:
        k = midpoint_grid(args.nk, args.kmax)
        S = hard_sphere_structure_factor(k, args.phi, d)
        rho, label = hard_sphere_density(args.phi, d), f"hard spheres d={d} phi={args.phi}"
    if S.ndim == 3 and (args.x is None or len(args.x) != S.shape[1]):
        raise UsageError(f"--x needs {S.shape[1]} number fractions for {S.shape[1]} species")
    result = solve_mct(k, S, rho, x=args.x, kernel=args.kernel, t_max=args.tmax, n=args.block, source=label,
                       dimension=d)
    return _show(result, args.out)


#: default packing-fraction brackets of ``mct critical`` (liquid, glass) per dimension
_PHI_BRACKET = {2: (0.65, 0.75), 3: (0.50, 0.54), 5: (0.22, 0.30)}


def _valid_upper_end(structure, lo: float, hi: float, explicit: bool) -> float:
    """The bracket's upper end, lowered (and said) to just inside the packing fractions where the
    closed-form S(k) on this grid is finite and positive (the d = 2 FMT S(k) diverges at its main
    peak near phi = 0.745 on the standard grid); a given --lo outside them is refused."""
    def valid(p):
        with np.errstate(all="ignore"):
            S = structure(p)
        return bool(np.all(np.isfinite(S)) and np.all(S > 0))

    if not valid(lo):
        raise UsageError(f"S(k) on this grid is not finite and positive at the bracket's lower end phi = {lo:g}")
    if valid(hi):
        return hi
    a, b = lo, hi
    while b - a > 1e-5:
        a, b = ((a + b) / 2, b) if valid((a + b) / 2) else (a, (a + b) / 2)
    new = a - 1e-3 * (a - lo)
    print(f"glassdyn: note: S(k) on this grid is not finite and positive above phi = {a:.5f}: the bracket's upper end "
          f"{'--hi ' if explicit else ''}{hi:g} lowered to {new:.5f}", file=sys.stderr)
    return new


def add_parsers(sub) -> None:
    an = sub.add_parser("analyse", help="S(k), replica dynamics (C_B, F_s, tau) or heterogeneity "
                        "(chi4, S4 + fit, G4) from trajectories")
    an.add_argument("what", choices=["sk", "dynamics", "heterogeneity"])
    an.add_argument("inputs", nargs="+", help="trajectory files (replicas for 'dynamics')")
    an.add_argument("--format", choices=["dump", "extxyz", "gsd"])
    an.add_argument("--dt", type=float, default=None, help="time per dump step")
    an.add_argument("--potential", default="ka2d", help="sigma_ab for bond breaking")
    an.add_argument("--k", type=float, default=7.0, help="wave number of F_s")
    an.add_argument("--kmax", type=float, default=40.0)
    an.add_argument("--bins", type=int, default=100)
    an.add_argument("--every", type=int, default=10, help="use every n-th frame for S(k)")
    an.add_argument("--replicas", type=int, default=1, help="files per configuration (heterogeneity)")
    an.add_argument("--species", type=int, default=0, help="species of chi4 / S4 / G4")
    an.add_argument("--time", type=float, default=None, help="time of S4 and G4 (default: chi4 peak)")
    an.add_argument("--qmax", type=float, default=3.0)
    an.add_argument("--out", default="analyse")
    an.set_defaults(func=_analyse)

    m = sub.add_parser("mct", help="mode-coupling theory: solve F(k,t) or find a critical point")
    msub = m.add_subparsers(dest="mct_command", required=True)
    ms = msub.add_parser("solve", help="solve MCT (Brownian) from S(k) or partial S_ab(k)")
    ms.add_argument("--sk", help="file with columns k, S(k) or k, S_11, S_12, ..., S_ss (partials, "
                    "S_ab -> x_a delta_ab) on a midpoint grid (default: PY hard spheres)")
    ms.add_argument("--rho", type=float, help="number density (with --sk)")
    ms.add_argument("--x", type=float, nargs="+", help="number fractions (with partial S_ab)")
    ms.add_argument("--kernel", default=None, help="MCT kernel of the registry glassdyn.theory.MCT_KERNELS "
                    "(default one_component for S(k), mixture for partial S_ab(k))")
    ms.add_argument("--phi", type=float, default=0.52, help="hard-sphere packing fraction (without --sk)")
    ms.add_argument("--dimension", type=int, default=3, help="space dimension d >= 2 (hard spheres without "
                    "--sk: d = 2, 3, 5)")
    ms.add_argument("--nk", type=int, default=100)
    ms.add_argument("--kmax", type=float, default=40.0)
    ms.add_argument("--tmax", type=float, default=1e10)
    ms.add_argument("--block", type=int, default=128, help="time points per block of the time-doubling "
                    "solver (second order: doubling it cuts the error ~4x)")
    ms.add_argument("--out", default=None, help="folder for mct_solution.npz and .png")
    ms.set_defaults(func=_mct)
    mc = msub.add_parser("critical", help="critical packing fraction of hard spheres (PY in d = 3, 5; "
                         "FMT hard disks in d = 2)")
    mc.add_argument("--dimension", type=int, default=3, help="space dimension: 2, 3 or 5")
    mc.add_argument("--nk", type=int, default=100)
    mc.add_argument("--kmax", type=float, default=40.0)
    mc.add_argument("--lo", type=float, default=None, help="liquid packing fraction of the bracket "
                    "(default 0.65 / 0.50 / 0.22 in d = 2 / 3 / 5)")
    mc.add_argument("--hi", type=float, default=None, help="glassy packing fraction of the bracket "
                    "(default 0.75 / 0.54 / 0.30)")
    mc.add_argument("--tol", type=float, default=1e-7)
    mc.add_argument("--max-iterations", type=int, default=100000,
                    help="cap of each non-ergodicity iteration (it slows down near the critical point)")
    mc.set_defaults(func=_mct)
    mf = msub.add_parser("fit-memory", help="CMA-ES fit of a stretched-exponential memory to F(t)")
    mf.add_argument("--target", required=True, help="two-column file t, F(t)")
    mf.add_argument("--omega2", type=float, required=True, help="Omega^2 of the memory equation")
    mf.add_argument("--f0", type=float, default=1.0, help="F(0)")
    mf.add_argument("--n-exp", type=int, nargs="+", default=[1, 2, 3])
    mf.add_argument("--seed", type=int, default=0)
    mf.add_argument("--max-evaluations", type=int, default=20000)
    mf.add_argument("--out", default=None, help="folder for memory_fit.json and .png")
    mf.set_defaults(func=_mct)
    me = msub.add_parser("exact-memory", help="the exact memory kernel of a measured F(t) by Volterra inversion "
                         "of the memory equation, with its error band")
    me.add_argument("--target", required=True, help="two-column file t, F(t) (t > 0, increasing)")
    me.add_argument("--omega2", type=float, required=True, help="Omega^2 of the memory equation")
    me.add_argument("--f0", type=float, default=1.0, help="F(0)")
    me.add_argument("--noise", type=float, default=0.0, help="standard deviation of F's noise (MD data: give "
                    "it; 0 = an exact, computed correlator)")
    me.add_argument("--newtonian", action="store_true", help="F'' instead of F' (Newtonian short times)")
    me.add_argument("--block", type=int, default=32, help="points per block of the time-doubling grid")
    me.add_argument("--seed", type=int, default=0, help="seed of the noise realisations")
    me.add_argument("--out", default=None, help="folder for memory_inversion.npz and .png")
    me.set_defaults(func=_mct)
