"""LAMMPS ``pair_style table spline`` files generated from a :class:`~glassdyn.systems.PairPotential`.

The table is laid on LAMMPS's own internal grid (uniform in r^2 from r_min sigma_ab to rc_ab, with
exact end-point derivatives), so LAMMPS reproduces the numpy reference to ~1e-10 relative.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..systems.potentials import PairPotential

__all__ = ["write_table", "table_file"]


def _table_grid(potential: PairPotential, a: int, b: int, n: int):
    """r grid uniform in r^2 between r_min sigma_ab and rc_ab (LAMMPS's internal spline grid)."""
    lo = potential.r_min * potential.sigma[a, b]
    hi = potential.cutoff[a, b]
    rsq = np.linspace(lo * lo, hi * hi, n)
    return np.sqrt(rsq), lo, hi


def write_table(potential: PairPotential, path: Path, n: int) -> dict:
    """Write a LAMMPS pair table for every species pair; returns {(a, b): (keyword, cutoff)}."""
    entries = {}
    lines = [f"# glassdyn table for potential {potential.name}: r, V(r), -dV/dr\n"]
    for a in range(potential.n_species):
        for b in range(a, potential.n_species):
            r, lo, hi = _table_grid(potential, a, b, n)
            # evaluate just inside the cutoff so the last point carries V(rc-), not the 0 beyond
            r_eval = r.copy()
            r_eval[-1] = np.nextafter(hi, 0.0)
            e = potential.pair_energy(r_eval, a, b)
            f = -potential.pair_derivative(r_eval, a, b)
            # derivative of the force at both ends, for the clamped spline
            fp_lo = -float(potential.pair_derivative(r_eval[0], a, b, order=2))
            fp_hi = -float(potential.pair_derivative(r_eval[-1], a, b, order=2))
            key = f"PAIR_{a + 1}_{b + 1}"
            entries[(a, b)] = (key, hi)
            lines.append(f"\n{key}\nN {n} RSQ {lo:.17g} {hi:.17g} FPRIME {fp_lo:.17g} {fp_hi:.17g}\n\n")
            lines.extend(f"{k + 1} {r[k]:.17g} {e[k]:.17g} {f[k]:.17g}\n" for k in range(n))
    path.write_text("".join(lines))
    return entries


_TABLES: dict = {}


def table_file(potential: PairPotential, n: int):
    """The table file for (potential, n), written once per process into a private temp dir."""
    key = (repr(sorted(potential.to_dict().items())), n)
    if key not in _TABLES:
        directory = Path(tempfile.mkdtemp(prefix="glassdyn-table-"))
        atexit.register(shutil.rmtree, directory, True)
        path = directory / "pair.table"
        _TABLES[key] = (path, write_table(potential, path, n))
    return _TABLES[key]
