"""Shared set-up for the benchmarks: an equilibrated KA2D liquid (N = 1290)."""
import numpy as np

from glassdyn.engines import LammpsSimulation
from glassdyn.systems import get_system


def ka2d_liquids(temperature=0.5, count=1, spacing=2000, seed=1):
    """``count`` KA2D configurations at ``temperature``, ``spacing`` MD steps apart."""
    system = get_system("ka2d")
    with LammpsSimulation(system.lattice_configuration(seed), system.potential, system.dt) as sim:
        sim.minimize(ftol=1e-3, method="cg")
        sim.draw_velocities(temperature, np.random.default_rng(seed))
        sim.nvt(temperature)
        sim.run(5000)
        confs = []
        for _ in range(count):
            sim.run(spacing)
            confs.append(sim.configuration())
    return system, confs
