"""All 256 GlassMLP descriptors (E_pot, Voronoi perimeter, density, E_var; 16 lengths x 4 channels)
for KA2D N = 1290 and for the same configuration tiled 8 x 8 (N = 82560), energies from the numpy
reference, coarse-graining truncated at r_max = half the small box (the transfer setting).

Prints descriptor_seconds_1290 (target <= 0.25) and, last, descriptor_scaling_ratio =
t(82560) / t(1290) (target <= 80; 64 is linear).  Best of 3 repeats each, after a warm-up.
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.structure import GlassMLPDescriptors  # noqa: E402
from glassdyn.systems import Configuration  # noqa: E402


def best_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    system, (conf,) = ka2d_liquids(0.5)
    conf = conf.copy(velocities=None)
    pos = np.concatenate([conf.positions + np.array([i, j]) * conf.box for i in range(8) for j in range(8)])
    big = Configuration(pos, np.tile(conf.types, 64), 8 * conf.box)
    r_max = conf.box[0] / 2
    small_fn = lambda: GlassMLPDescriptors(r_max=r_max).compute(conf, system.potential)  # noqa: E731
    big_fn = lambda: GlassMLPDescriptors(r_max=r_max).compute(big, system.potential)  # noqa: E731
    small_fn()
    big_fn()
    t_small = best_time(small_fn)
    t_big = best_time(big_fn)
    print(f"N=1290: {t_small:.3f} s   N=82560: {t_big:.2f} s   (256 descriptors)")
    print(f"descriptor_seconds_1290={t_small:.3f}")
    print(f"descriptor_scaling_ratio={t_big / t_small:.1f}")


if __name__ == "__main__":
    main()
