"""All 256 GlassMLP descriptors, reference definition (radical Voronoi perimeter, normalised
averages, local variance, cut-off 20), for KA2D N = 1290, beside a vectorised numpy evaluation of
the same definition (the independent path of the tests) in the same run, and for the same
configuration tiled 8 x 8 (N = 82560).

Prints descriptor_seconds_1290 (target <= 0.25 warm; the reference program takes ~1.5 s),
the ratio to numpy, and last descriptor_scaling_ratio = t(82560) / t(1290) (64 is linear).
Best of 3 repeats each, after a warm-up.
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from support.liquids import ka2d_liquids  # noqa: E402

from glassdyn.structure import DEFAULT_LENGTHS, GlassMLPDescriptors, species_radii, voronoi_measure  # noqa: E402
from glassdyn.systems import Configuration  # noqa: E402


def best_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def numpy_descriptors(conf, potential, cutoff=20.0):
    """The same 256 columns with dense (N, N) numpy arrays, one length at a time."""
    e = potential.compute(conf).per_particle
    p = voronoi_measure(conf, species_radii(potential))
    dx = conf.positions[:, None] - conf.positions[None]
    dx -= conf.box * np.rint(dx / conf.box)
    r = np.sqrt((dx**2).sum(-1))
    onehot = np.eye(potential.n_species)[conf.types]
    sel = np.c_[onehot, np.ones(conf.n_particles)]  # (N, channels)
    cols = []
    for L in DEFAULT_LENGTHS[1:]:
        w = np.where(r < cutoff, np.exp(-r / L), 0.0)
        W = w @ sel
        me = (w @ (e[:, None] * sel)) / W
        cols += [W, me, (w @ (p[:, None] * sel)) / W, (w @ (e[:, None] ** 2 * sel)) / W - me**2]
    return np.concatenate(cols, axis=1)


def main():
    system, (conf,) = ka2d_liquids(0.5)
    conf = conf.copy(velocities=None)
    pos = np.concatenate([conf.positions + np.array([i, j]) * conf.box for i in range(8) for j in range(8)])
    big = Configuration(pos, np.tile(conf.types, 64), 8 * conf.box)
    small_fn = lambda: GlassMLPDescriptors().compute(conf, system.potential)  # noqa: E731
    numpy_fn = lambda: numpy_descriptors(conf, system.potential)  # noqa: E731
    big_fn = lambda: GlassMLPDescriptors().compute(big, system.potential)  # noqa: E731
    for fn in (small_fn, numpy_fn, big_fn):
        fn()
    t_small = best_time(small_fn)
    t_numpy = best_time(numpy_fn)
    t_big = best_time(big_fn)
    print(f"N=1290: glassdyn {t_small:.3f} s, numpy (same definition) {t_numpy:.3f} s; "
          f"N=82560: {t_big:.2f} s   (256 descriptors)")
    print(f"descriptor_ratio_glassdyn_over_numpy={t_small / t_numpy:.3f}")
    print(f"descriptor_seconds_1290={t_small:.3f}")
    print(f"descriptor_scaling_ratio={t_big / t_small:.1f}")


if __name__ == "__main__":
    main()
