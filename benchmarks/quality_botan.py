"""GlassMLP vs MLP(mae) vs Ridge on the external BOTAN 3D KA data (T = 0.44, time point tc07 ~ tau_alpha).

Inherent structures computed by glassdyn (FIRE, KA3D potential of seed 000 SM VI), 3D descriptors
(E_pot, Voronoi surface, density, E_var; 16 lengths; A, B, all), label = displacement propensity
(mean over the 32 replicas of |r(t) - r(0)|) of the A particles.  Train on configurations 1-8,
validate on 9-10, test on 401-405.  Ridge's alpha is chosen on the validation configurations;
GlassMLP keeps the seed's number of gradient steps per epoch (100, ``min_batches_per_epoch``) although
only 8 configurations train it, and ``--ensemble k`` averages k seeds.  Prints rho_P of the three
models on the test set and chi4 of the smooth overlap (seed SM VI) for MD and each model; last line
rho_p_glassmlp_minus_ridge (target > 0).  ``--observable overlap`` applies the variance and C(d) terms
to the smooth overlap (seed SM VI; the default of ``glassdyn train`` for displacement labels);
``--distances`` sets the C(d) shells.  ``--noise-corrected`` removes the replica noise of the
labels from GlassMLP's variance and spatial-correlation targets (glassdyn option, not the seed's).
``--cache file.npz`` keeps the quenches, descriptors and label noise (3.5 min) between runs.
Needs ../shared/external/botan_ka3d_T0.44.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

from glassdyn.dynamics import chi4, displacement, smooth_overlap
from glassdyn.io import read_botan_npz
from glassdyn.learn import GlassMLPEnsemble, RidgeBaseline, mean_pearson
from glassdyn.structure import GlassMLPDescriptors
from glassdyn.systems import get_potential
from glassdyn.workflows import inherent_structure

ROOT = Path(__file__).resolve().parents[2] / "shared" / "external" / "botan_ka3d_T0.44"


def load(path, pot):
    s = read_botan_npz(path)
    d = displacement(s.initial.positions, s.replicas, remove_drift=False)  # (replicas, N)
    label = d.mean(axis=0)
    inh = inherent_structure(s.initial, pot, strict=False)
    desc = GlassMLPDescriptors().compute(inh.configuration, per_particle_energy=inh.per_particle_energy,
                                         potential=pot)
    a = s.initial.types == 0
    # label noise: <Var_replicas(|dr_i|)> / n_replicas over the A particles
    noise = d[:, a].var(axis=0, ddof=1).mean() / d.shape[0]
    return (desc.features[a], label[a], inh.configuration.positions[a], s.initial.box,
            np.float64(inh.max_force), np.float64(noise))


def data(cache):
    if cache and Path(cache).exists():
        d = np.load(cache)
        if "train0_N" not in d.files:
            sys.exit(f"{cache} was written by an older version of this benchmark (no label noise): delete it")
        return ([tuple(d[f"{name}{j}_{k}"] for k in "XyPBFN") for j in range(n)]
                for name, n in (("train", 10), ("test", 5)))
    pot = get_potential("ka3d")
    t0 = time.perf_counter()
    train = [load(ROOT / "train" / f"isoconfig_N4096T0.44_{i}_tc07.npz", pot) for i in range(1, 11)]
    test = [load(ROOT / "test" / f"isoconfig_N4096T0.44_{i}_tc07.npz", pot) for i in range(401, 406)]
    print(f"data: 15 quenches + descriptors in {time.perf_counter() - t0:.0f} s "
          f"(largest residual max|F| = {max(d[4] for d in train + test):.1e})")
    if cache:
        np.savez(cache, **{f"{name}{j}_{k}": v for name, ds in (("train", train), ("test", test))
                           for j, d in enumerate(ds) for k, v in zip("XyPBFN", d)})
    return train, test


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ensemble", type=int, default=1)
    ap.add_argument("--batches-per-epoch", type=int, default=100)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--noise-corrected", action="store_true",
                    help="remove the 32-replica label noise from GlassMLP's variance and C(d) targets")
    ap.add_argument("--observable", choices=("field", "overlap"), default="field",
                    help="field the variance and C(d) loss terms compare: R itself or its smooth overlap")
    ap.add_argument("--distances", type=float, nargs="+", default=[2.0, 4.0, 6.0],
                    help="shell distances d of the C(d) loss term (the seed's: 2 4 6)")
    ap.add_argument("--epoch-scale", type=float, default=1.0, help="shrink every phase (1 = the seed's)")
    args = ap.parse_args()
    if not ROOT.is_dir():
        sys.exit(f"{ROOT} not found")
    train, test = data(args.cache)
    box = train[0][3]
    X, y, P = ([d[k] for d in train[:8]] for k in (0, 1, 2))
    Xv, yv, Pv = ([d[k] for d in train[8:]] for k in (0, 1, 2))
    Xt, yt = [d[0] for d in test], [d[1] for d in test]
    noise = noise_val = None
    if args.noise_corrected:
        nu = [d[5] for d in train]
        noise, noise_val = nu[:8], nu[8:]
        print(f"label noise / label variance: {np.mean([n / d[1].var() for n, d in zip(nu, train)]):.3f}")
    alphas = [0.1, 1.0, 10.0, 100.0, 1000.0]
    val = [mean_pearson(RidgeBaseline(a).fit(X, y).predict(Xv), yv) for a in alphas]
    alpha = alphas[int(np.argmax(val))]
    print(f"Ridge alpha on validation: {dict(zip(alphas, np.round(val, 4)))} -> {alpha}")
    t0 = time.perf_counter()
    models = {
        "GlassMLP": GlassMLPEnsemble(args.ensemble, min_batches_per_epoch=args.batches_per_epoch,
                                     epoch_scale=args.epoch_scale, observable=args.observable,
                                     distances=args.distances).fit(
            X, y, Xv, yv, P, Pv, box=box, label_noise=noise, label_noise_val=noise_val),
        "MLP(mae)": GlassMLPEnsemble(args.ensemble, loss="mae", min_batches_per_epoch=args.batches_per_epoch,
                                     epoch_scale=args.epoch_scale).fit(X, y, Xv, yv),
        "Ridge": RidgeBaseline(alpha=alpha).fit(X, y),
    }
    print(f"training: {time.perf_counter() - t0:.0f} s")
    rho = {n: mean_pearson(m.predict(Xt), yt) for n, m in models.items()}
    rho_max = np.mean([np.sqrt(1 - d[5] / d[1].var()) for d in test])  # seed Fig. 5a, dash-dotted
    print(f"expected maximal rho_P with 32 replicas (replica-noise ceiling): {rho_max:.3f}")
    md_chi4 = chi4(np.array([smooth_overlap(t) for t in yt]))[0]  # N_1 Var(mean overlap), seed SM VI
    c4 = {}
    for n, m in models.items():
        c4[n] = chi4(np.array([smooth_overlap(p) for p in m.predict(Xt)]))[0]
        print(f"{n:9s} rho_P = {rho[n]:.3f}   chi4 = {c4[n]:.3g}   (MD chi4 = {md_chi4:.3g})")
    closer = abs(np.log(c4["GlassMLP"] / md_chi4)) < abs(np.log(c4["Ridge"] / md_chi4))
    print(f"chi4 of GlassMLP closer to MD than Ridge's (log ratio): {closer}")
    print(f"rho_p_glassmlp_minus_ridge={rho['GlassMLP'] - rho['Ridge']:.3f}")


if __name__ == "__main__":
    main()
