"""Cost per swap attempt: glassdyn's local-energy kernel vs LAMMPS `fix atom/swap`, KA2D N=1290.

glassdyn's cost is a whole swap phase as run between MD segments (gather positions from LAMMPS,
build the neighbour list, 2100 attempts, scatter the new types back) divided by 2100.  LAMMPS's is
the time of `fix atom/swap` attempts (species 1 <-> 3) on the same configuration and T, divided by
the number of attempts.  Last line: swap_cost_ratio_glassdyn_over_lammps (target <= 0.02).
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.engines import LammpsSimulation, SwapMC  # noqa: E402

T = 0.5
ATTEMPTS = 2100


def main():
    system, (conf,) = ka2d_liquids(T)
    pot = system.potential
    with LammpsSimulation(conf, pot, system.dt) as sim:
        mc = SwapMC(pot, T)
        rng = np.random.default_rng(0)
        mc.sweep(sim.positions, sim.types, sim.box, 10, rng)  # JIT warm-up
        phases = 50
        t = time.perf_counter()
        for _ in range(phases):
            res = mc.sweep(sim.positions, sim.types, sim.box, ATTEMPTS, rng)
            sim.types = res.types
        ours = (time.perf_counter() - t) / (phases * ATTEMPTS)

        sim.command(f"fix sw all atom/swap 1 {ATTEMPTS // 7} 4242 {T} ke no types 1 3")
        sim.command("run 0 post no")
        t = time.perf_counter()
        sim.command("run 7 pre no post no")
        elapsed = time.perf_counter() - t
        n_att = sim.lmp.extract_fix("sw", 0, 1, 0)
        theirs = elapsed / n_att
    print(f"glassdyn: {ours * 1e6:.2f} us per attempt (phase of {ATTEMPTS}, all overheads)")
    print(f"LAMMPS fix atom/swap: {theirs * 1e6:.1f} us per attempt ({n_att:.0f} attempts)")
    print(f"swap_cost_ratio_glassdyn_over_lammps={ours / theirs:.4f}")


if __name__ == "__main__":
    main()
