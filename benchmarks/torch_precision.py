"""What float32 costs in the torch engine (CPU, KA2D N = 1290, 4 copies, dt = 0.01):
the NVE energy excursion max_t |E(t) - E(0)| / N over 10^4 steps from the same states, and <U>/N
at T = 1.0 (Nose-Hoover chain, 2000 steps of relaxation then 8000 sampled), float32 vs float64.

Last lines: float32_nve_excursion_ratio (float32 / float64) and float32_u_shift (float32 - float64
<U>/N, with its standard error from the copies).
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.engines import maxwell_velocities  # noqa: E402
from glassdyn.engines.torch_md import TorchMD  # noqa: E402

COPIES = 4


def run(precision, conf, system):
    rng = np.random.default_rng(3)
    v = np.stack([maxwell_velocities(conf.n_particles, 2, 1.0, rng) for _ in range(COPIES)])
    md = TorchMD(np.repeat(conf.positions[None], COPIES, 0), conf.types, conf.box, system.potential,
                 system.dt, dtype=precision)
    md.set_velocities(v)
    md.nvt(1.0)
    md.run(2000)
    u = []
    for _ in range(80):
        md.run(100, energies=True)
        u.append(md.potential_energy() / md.N)
    md.nve()
    e = []
    for _ in range(100):
        md.run(100, energies=True)
        e.append(md.potential_energy() + 0.5 * (md.v.double() ** 2).sum((1, 2)).numpy())
    e = np.array(e)
    return np.array(u).mean(0), np.abs(e - e[0]).max(0) / md.N


def main():
    system, (conf,) = ka2d_liquids(1.0)
    res = {p: run(p, conf, system) for p in ("float64", "float32")}
    for p, (u, exc) in res.items():
        print(f"{p}: <U>/N = {u.mean():.5f} +- {u.std(ddof=1) / np.sqrt(u.size):.5f}; "
              f"NVE excursion per particle {exc.mean():.2e} (copies: {np.array2string(exc, precision=2)})")
    (u64, e64), (u32, e32) = res["float64"], res["float32"]
    err = np.sqrt(u64.var(ddof=1) / u64.size + u32.var(ddof=1) / u32.size)
    print(f"float32_nve_excursion_ratio={e32.mean() / e64.mean():.2f}")
    print(f"float32_u_shift={u32.mean() - u64.mean():+.5f} +- {err:.5f}")


if __name__ == "__main__":
    main()
