"""Exact memory kernels of the shipped state library against the seed's CMA-ES kernels (Eq. 6).

For a few LJ and WCA states at rho = 1.2 (hot liquid, ~1.1 T_mct, ~T_mct): the memory of
F_s^AA(k_p, t) in the seed's overdamped Eq. 5 (Omega^2 = k_p^2 k_B T) by Volterra inversion
(``memory_from_data``, smoothing and regularisation for the data's noise, error band from 12 noise
realisations), and the CMA-ES fit of Eq. 6 with N_exp = 2 (seed 0).  Printed per state: the noise
level estimated from the data, the median relative difference of the two kernels over the measured
window (t > 10 t_1, F > 0.05), the fraction of that window where the fitted kernel lies inside the
exact one's 2-sigma band, and R^2 of F reproduced by each kernel (the exact one through the forward
solver).  Writes memory_exact.png (``--out``).  Last line: memory_es_vs_exact_median=<x>.
"""
import argparse
import time

import numpy as np

from glassdyn.theory import fit_memory, memory_from_data, r2_score
from glassdyn.theory.memory_fit import solve_with_memory
from glassdyn.workflows.state_library import default_library, read_library


def noise_level(t, F):
    """Noise of a smooth curve sampled on a log grid: MAD of its second differences / sqrt(6)
    (curvature inflates it: an upper bound)."""
    d2 = F[2:] - 2 * F[1:-1] + F[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6))


def pick_states(lib, interaction, rho=1.2, ratios=(2.0, 1.1, 1.0)):
    """Equilibrated states closest to the given T / T_mct (paper's T_mct)."""
    sel = np.flatnonzero((lib.interaction == interaction) & np.isclose(lib.rho, rho) & lib.equilibrated)
    x = lib.temperature[sel] / lib.t_mct_paper[sel]
    return [int(sel[np.argmin(np.abs(x - r))]) for r in ratios]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=3000)
    ap.add_argument("--out", default="memory_exact.png")
    args = ap.parse_args()
    lib = read_library(default_library())
    states = pick_states(lib, 0) + pick_states(lib, 1)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    medians = []
    print("| state | LJ/WCA | T | T/T_mct | noise | median |M_ES/M_exact - 1| | ES inside 2 sigma | "
          "R² exact | R² ES | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for ax, i in zip(axes.ravel(), states):
        t0 = time.perf_counter()
        t = lib.times[i]
        ok = np.isfinite(t)
        t = t[ok]
        ip = int(np.argmin(np.abs(lib.k - lib.k_p[i])))
        F = lib.Fs[i][ok, 0] / lib.S[i, ip, 0]
        omega2 = float(lib.k_p[i] ** 2 * lib.temperature[i])
        sigma = noise_level(t, F)
        exact = memory_from_data(t, F, omega2, n=32, noise=sigma, realizations=12)
        es = fit_memory(t, F, omega2, n_exp=2, seed=0, max_evaluations=args.evaluations)
        F_on_grid = np.interp(np.log(exact.t), np.log(t), F)
        window = (exact.t > 10 * t[0]) & (exact.t < t[-1]) & (F_on_grid > 0.05)
        m_exact = exact.M[window, 0]
        m_es = es.memory(exact.t[window])
        m_es = m_es[:, 0, 0] if m_es.ndim == 3 else m_es
        rel = np.abs(m_es / m_exact - 1)
        inside = np.mean(np.abs(m_es - m_exact) <= 2 * exact.error[window, 0])

        def exact_memory(s, mid=exact.t, M=exact.M[:, 0]):
            return np.interp(s, mid, M, left=M[0], right=M[-1])

        F_exact = solve_with_memory(exact_memory, 1.0, omega2, t)
        medians.append(float(np.median(rel)))
        name = "LJ" if lib.interaction[i] == 0 else "WCA"
        ratio = lib.temperature[i] / lib.t_mct_paper[i]
        print(f"| {i} | {name} | {lib.temperature[i]:.3g} | {ratio:.2f} | {sigma:.1e} | {np.median(rel):.3f} | "
              f"{inside:.2f} | {r2_score(F, F_exact):.5f} | {es.r2:.5f} | {time.perf_counter() - t0:.0f} |", flush=True)
        exact.plot_memory(ax)
        w = exact.within()
        m_all = es.memory(exact.t[w])
        ax.loglog(exact.t[w], m_all[:, 0, 0] if m_all.ndim == 3 else m_all, "r--", label="CMA-ES, Eq. 6, N_exp = 2")
        ax.set(title=f"{name} rho = 1.2, T = {lib.temperature[i]:.3g} (T/T_mct = {ratio:.2f})", xlabel="t",
               ylabel="M_AA(k_p, t)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    print(f"memory_es_vs_exact_median={np.median(medians):.3f}")


if __name__ == "__main__":
    main()
