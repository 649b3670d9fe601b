"""GlassMLP vs MLP(mae) vs Ridge on the external BOTAN 3D KA data (T = 0.44, time point tc07 ~ tau_alpha).

Inherent structures computed by glassdyn (FIRE, KA3D potential of seed 000 SM VI), 3D descriptors
(E_pot, Voronoi surface, density, E_var; 16 lengths; A, B, all), label = displacement propensity
(mean over the 32 replicas of |r(t) - r(0)|) of the A particles.  Train on configurations 1-8,
validate on 9-10, test on 401-405.  Prints rho_P of the three models on the test set and chi4 of
the smooth overlap (seed SM VI) for MD and each model; last line rho_p_glassmlp_minus_ridge
(target > 0).  Needs ../shared/external/botan_ka3d_T0.44.
"""
import sys
import time
from pathlib import Path

import numpy as np

from glassdyn.dynamics import chi4, displacement, smooth_overlap
from glassdyn.io import read_botan_npz
from glassdyn.learn import GlassMLP, RidgeBaseline, pearson
from glassdyn.structure import GlassMLPDescriptors
from glassdyn.systems import get_potential
from glassdyn.workflows import inherent_structure

ROOT = Path(__file__).resolve().parents[2] / "shared" / "external" / "botan_ka3d_T0.44"


def load(path, pot):
    s = read_botan_npz(path)
    label = displacement(s.initial.positions, s.replicas, remove_drift=False).mean(axis=0)
    inh = inherent_structure(s.initial, pot, strict=False)
    desc = GlassMLPDescriptors().compute(inh.configuration, per_particle_energy=inh.per_particle_energy,
                                         potential=pot)
    a = s.initial.types == 0
    return desc.features[a], label[a], inh.configuration.positions[a], s.initial.box, inh.max_force


def main():
    if not ROOT.is_dir():
        sys.exit(f"{ROOT} not found")
    pot = get_potential("ka3d")
    t0 = time.perf_counter()
    train = [load(ROOT / "train" / f"isoconfig_N4096T0.44_{i}_tc07.npz", pot) for i in range(1, 11)]
    test = [load(ROOT / "test" / f"isoconfig_N4096T0.44_{i}_tc07.npz", pot) for i in range(401, 406)]
    print(f"data: 15 quenches + descriptors in {time.perf_counter() - t0:.0f} s "
          f"(largest residual max|F| = {max(d[4] for d in train + test):.1e})")
    box = train[0][3]
    X, y, P = ([d[k] for d in train[:8]] for k in (0, 1, 2))
    Xv, yv, Pv = ([d[k] for d in train[8:]] for k in (0, 1, 2))
    Xt, yt = [d[0] for d in test], [d[1] for d in test]
    models = {
        "GlassMLP": GlassMLP(seed=0).fit(X, y, Xv, yv, P, Pv, box=box),
        "MLP(mae)": GlassMLP(loss="mae", seed=0).fit(X, y, Xv, yv),
        "Ridge": RidgeBaseline(alpha=10.0).fit(X, y),
    }
    rho = {n: float(np.mean([pearson(m.predict(x), t) for x, t in zip(Xt, yt)])) for n, m in models.items()}
    md_chi4 = chi4(np.array([smooth_overlap(t) for t in yt]))[0]  # N_1 Var(mean overlap), seed SM VI
    for n, m in models.items():
        c = chi4(np.array([smooth_overlap(p) for p in m.predict(Xt)]))[0]
        print(f"{n:9s} rho_P = {rho[n]:.3f}   chi4 = {c:.3g}   (MD chi4 = {md_chi4:.3g})")
    print(f"rho_p_glassmlp_minus_ridge={rho['GlassMLP'] - rho['Ridge']:.3f}")


if __name__ == "__main__":
    main()
