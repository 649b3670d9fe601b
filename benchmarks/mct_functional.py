"""The MCT functional on simulated data (issue 18 section 4): is MCT's memory right when fed the
true dynamics?

For LJ states of the library protocol (3D KA, rho = 1.2, N = 1200; T = 1.8 and T_mct = 0.9) the
production run's frames give the collective partials F_ab(q, t) and self parts F_s^a(q, t) on the
MCT grid (N_k = 100 in [0, 40], up to 48 wave vectors per bin, the empty first bin filled from the
next).  Two memories of the same overdamped equation for F_s^A(k_p, t) (Omega^2 = k_p^2 T,
D_0 = k_B T):
- exact: Volterra inversion of the simulated F_s^A(k_p, t) (``memory_from_data``);
- MCT functional: the tagged MCT vertex evaluated on the simulated F_ab and F_s at every lag
  (``MixtureMCT.self_memory``, no self-consistency).
Printed: their ratio over the window (t > 10 t_1, F_s > 0.05) and at the start of the window, the
MCT memory's decay time against the exact one's.  Last line mct_functional_ratio_tmct=<median ratio
at T_mct>.  Writes mct_functional.png (``--out``).
"""
import argparse
import time

import numpy as np

from glassdyn.dynamics.scattering import intermediate_scattering_grid
from glassdyn.theory import MixtureMCT, memory_from_data, midpoint_grid
from glassdyn.workflows.state_library import StatePoint, run_state


def fill_first_bins(F):
    """Bins below 2 pi / L hold no wave vector: they take the first measured bin's values."""
    bad = ~np.all(np.isfinite(F), axis=tuple(range(2, F.ndim)))
    first = int(np.argmin(bad[0]))
    F[:, :first] = F[:, first:first + 1]
    return F


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--temperatures", type=float, nargs="+", default=[1.8, 0.9])
    ap.add_argument("--out", default="mct_functional.png")
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = midpoint_grid(100, 40.0)
    fig, axes = plt.subplots(1, len(args.temperatures), figsize=(5 * len(args.temperatures), 4), squeeze=False)
    ratio_last = float("nan")
    for ax, T in zip(axes[0], args.temperatures):
        t0 = time.perf_counter()
        st = StatePoint("lj", 1.2, T, seed=1)
        run = run_state(st.to_json(), keep_frames=True)
        lags, F, Fs = intermediate_scattering_grid(run["frames"], run["frame_times"], run["types"], run["box"], k,
                                                   origins=run["origins"], vectors_per_bin=48)
        F, Fs = fill_first_bins(F), fill_first_bins(Fs[..., None])[..., 0]
        x = np.bincount(run["types"]) / run["types"].size
        rho = 1.2
        mix = MixtureMCT(k, F[0], rho, x, D=T)
        ip = int(np.argmin(np.abs(k - run["k_p"])))
        diag = np.stack([np.diag(v) for v in Fs.reshape(-1, 2)]).reshape(Fs.shape[:2] + (2, 2))
        m_mct = np.array([mix.self_memory(F[i], diag[i])[ip, 0, 0] for i in range(1, lags.size)])
        t = lags[1:]
        phi = Fs[1:, ip, 0]
        noise = 1.0 / np.sqrt(len(run["origins"]) * np.sum(run["types"] == 0))
        exact = memory_from_data(t, phi, k[ip] ** 2 * T, n=32, noise=noise, realizations=8)
        m_exact = np.interp(t, exact.t, exact.M[:, 0])
        window = (t > 10 * t[0]) & (phi > 0.05)
        ratio = m_mct[window] / m_exact[window]
        ratio_last = float(np.median(ratio))
        print(f"T = {T}: equilibrated {bool(run['equilibrated'])}, k_p = {k[ip]:.2f}, {lags.size} lags; "
              f"M_MCT[F_sim] / M_exact over the window: median {np.median(ratio):.2f}, range "
              f"[{ratio.min():.2f}, {ratio.max():.2f}], at the window's start {ratio[0]:.2f} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
        exact.plot_memory(ax, label="exact (inversion of F_s^A)")
        ax.loglog(t, m_mct, "b.-", label="MCT vertex on simulated F, F_s")
        ax.set(xlim=(t[0], t[-1]), title=f"KA LJ rho = 1.2, T = {T}", xlabel="t", ylabel="M_s^A(k_p, t)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    print(f"mct_functional_ratio_tmct={ratio_last:.3f}")


if __name__ == "__main__":
    main()
