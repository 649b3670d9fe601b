"""Side-by-side evaluation of propensity predictions against MD labels (Jung 2023 Figs. 1-3).

``PropensityEvaluation(box, mask, observable).compute(times, labels, predictions, positions)``
with labels (S, T, N), predictions {model name: (S, T, N)} and initial (inherent) positions
(S, N, d) of the test configurations.  For MD and every model it computes

* rho_P(t): Pearson correlation per configuration (mean and std) and pooled over configurations;
  with the labels' replica noise nu (S, T) (optional) also the maximal achievable correlation
  rho_max(t) = < sqrt(1 - nu / Var(X_MD)) > (paper Fig. 5a): the correlation of the finite-replica
  labels with the infinite-replica propensity, which bounds any prediction from the structure in
  expectation (replica noise is spatially correlated, so a few test configurations can exceed it);
* propensity distributions at every time (histograms on common bins);
* chi4(t) of the field (seed normalisation N_1 Var(Cbar));
* S4(q, t*) at the time t* of the MD chi4 peak, with the fit chi4~/(1 + (q xi)^2 + A (q xi)^3);
* G4(r, t*);
* what the paper claims for each model (SM III: GlassMLP trades a little rho_P for the shape of the
  field): the chi4 ratio model / MD at t* and its error |ln ratio|, the xi ratio of the S4 fits, and
  the Wasserstein-1 distance between predicted and MD propensity distributions at t* (in units of
  the MD standard deviation) -- ``claims()`` turns them into held / not held / undetermined
  statements;
* a bootstrap over test configurations (``n_bootstrap`` resamples, the same resample for every
  source, so that differences between models are paired): intervals (``confidence``, percentile)
  on rho_P (per configuration and pooled), the chi4(t*) ratio, W1 and xi at t*.  A claim is held
  only where the interval of the paired difference supports it, not held where it contradicts it,
  undetermined otherwise.

``observable="overlap"`` converts displacement propensities R to the smooth overlap of paper SM VI
before chi4 / S4 / G4 (bond-breaking C_B is used as is).  ``plot(folder)`` writes the figures,
``table()`` the summary rows.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dynamics.heterogeneity import S4Resampler, chi4, fit_s4, four_point_structure_factor, g4, smooth_overlap
from .baselines import pearson

__all__ = ["PropensityEvaluation"]


class PropensityEvaluation:
    """Compare MD propensities with model predictions (see module docstring)."""

    def __init__(self, box, mask=None, observable: str = "field", q_max: float = 2.0, r_max: float = 8.0,
                 n_bootstrap: int = 1000, confidence: float = 0.95, seed: int = 0):
        if observable not in ("field", "overlap"):
            raise ValueError("observable must be 'field' (C_B) or 'overlap' (displacements)")
        if int(n_bootstrap) < 0 or not 0 < confidence < 1:
            raise ValueError("n_bootstrap must be >= 0 and confidence in (0, 1)")
        self.box = np.asarray(box, dtype=float)
        self.mask = mask
        self.observable = observable
        self.q_max, self.r_max = float(q_max), float(r_max)
        self.n_bootstrap, self.confidence, self.seed = int(n_bootstrap), float(confidence), seed
        self.results = None

    def _field(self, x):
        return smooth_overlap(x) if self.observable == "overlap" else np.asarray(x, float)

    def mobility(self, field) -> np.ndarray:
        """Standardised mobility of a propensity field (N,), the colour of the snapshots (paper Figs.
        1 and 3: red = mobile = low C_B or large displacement R, blue = high C_B, moving very little)."""
        f = np.asarray(field, dtype=float)
        z = (f - f.mean()) / (f.std() or 1.0)
        return -z if self.observable == "field" else z

    def compute(self, times, labels, predictions: dict, positions, label_noise=None) -> "PropensityEvaluation":
        times = np.asarray(times, dtype=float)
        y = np.asarray(labels, dtype=float)
        pos = np.asarray(positions, dtype=float)
        if y.ndim != 3 or y.shape[1] != times.size or pos.shape[:2] != (y.shape[0], y.shape[2]):
            raise ValueError(f"labels must be (S, T, N) with T = {times.size} times and positions "
                             f"(S, N, d); got labels {y.shape}, positions {pos.shape}")
        S, T, N = y.shape
        mask = np.ones(N, bool) if self.mask is None else np.asarray(self.mask, bool)
        if mask.shape != (N,):
            raise ValueError(f"mask must have shape ({N},)")
        sources = {"MD": y}
        for name, p in predictions.items():
            p = np.asarray(p, dtype=float)
            if p.shape != y.shape:
                raise ValueError(f"predictions of {name} have shape {p.shape}, labels {y.shape}")
            if not np.all(np.isfinite(p[:, :, mask])):
                raise ValueError(f"predictions of {name} contain NaN or inf")
            sources[name] = p
        res = dict(times=times, n_configurations=S, sources=list(sources), rho={}, rho_std={}, rho_pooled={}, chi4={},
                   hist={}, s4={}, s4_fit={}, g4={})
        lo = min(float(np.min(v[:, :, mask])) for v in sources.values())
        hi = max(float(np.max(v[:, :, mask])) for v in sources.values())
        res["bins"] = np.linspace(lo, hi, 41)
        if label_noise is not None:
            nu = np.asarray(label_noise, dtype=float)
            if nu.shape != (S, T) or not np.all(np.isfinite(nu)) or np.any(nu < 0):
                raise ValueError(f"label_noise must be finite, non-negative, of shape ({S}, {T}); got {nu.shape}")
            var = y[:, :, mask].var(axis=2)
            with np.errstate(divide="ignore", invalid="ignore"):
                res["rho_max"] = np.sqrt(np.clip(1 - nu / var, 0, 1)).mean(axis=0)
        for name, v in sources.items():
            if name != "MD":
                per = np.array([[pearson(v[s, t, mask], y[s, t, mask]) for s in range(S)] for t in range(T)])
                res["rho"][name] = per.mean(axis=1)
                res["rho_std"][name] = per.std(axis=1)
                res["rho_pooled"][name] = np.array([pearson(v[:, t][:, mask], y[:, t][:, mask])
                                                    for t in range(T)])
            res["hist"][name] = np.array([np.histogram(v[:, t][:, mask], res["bins"], density=True)[0]
                                          for t in range(T)])
            f = self._field(v)
            res["chi4"][name] = chi4(f, mask) if S >= 2 else np.full(T, np.nan)
        t_star = int(np.nanargmax(res["chi4"]["MD"])) if S >= 2 else T - 1
        res["t_star"] = t_star
        from scipy.stats import wasserstein_distance

        md_star = y[:, t_star][:, mask].ravel()
        res["wasserstein"] = {name: wasserstein_distance(v[:, t_star][:, mask].ravel(), md_star) / md_star.std()
                              for name, v in sources.items() if name != "MD"}
        for name, v in sources.items():
            f = self._field(v[:, t_star])
            q, s4, _ = four_point_structure_factor(pos, f, self.box, mask, q_max=self.q_max)
            res["s4"][name] = (q, s4)
            try:
                res["s4_fit"][name] = fit_s4(q, s4)
            except (RuntimeError, ValueError):
                res["s4_fit"][name] = None
            res["g4"][name] = g4(pos, f, self.box, mask, r_max=min(self.r_max, 0.5 * self.box.min()), dr=0.25)
        self.results = res
        res["bootstrap"] = self._bootstrap(sources, pos, mask, t_star) if S >= 2 and self.n_bootstrap else None
        return self

    def _bootstrap(self, sources: dict, pos, mask, ts: int) -> dict:
        """Per source, arrays over resamples of the test configurations (the same resamples for all):
        rho (per-configuration mean), rho_pooled, chi4_ratio, wasserstein, xi (NaN where the S4 fit
        of a resample does not determine it) at t*."""
        from scipy.stats import wasserstein_distance

        y = sources["MD"][:, ts][:, mask]
        S = y.shape[0]
        idx = np.random.default_rng(self.seed).integers(0, S, size=(self.n_bootstrap, S))
        fields = {n: self._field(v[:, ts]) for n, v in sources.items()}
        cbar = {n: f[:, mask].mean(axis=1) for n, f in fields.items()}
        chi_md = cbar["MD"][idx].var(axis=1)
        out = {}
        for name, v in sources.items():
            p = v[:, ts][:, mask]
            with np.errstate(divide="ignore", invalid="ignore"):  # a resample of one configuration repeated
                b = dict(chi4_ratio=cbar[name][idx].var(axis=1) / chi_md)
            if name != "MD":
                per = np.array([pearson(p[k], y[k]) for k in range(S)])
                # pooled Pearson from per-configuration sums (n, x, y, xx, yy, xy)
                sums = np.stack([np.full(S, p.shape[1]), p.sum(1), y.sum(1), (p * p).sum(1), (y * y).sum(1),
                                 (p * y).sum(1)], axis=1)[idx].sum(axis=1)
                n, sx, sy, sxx, syy, sxy = sums.T
                b["rho"] = per[idx].mean(axis=1)
                b["rho_pooled"] = (sxy - sx * sy / n) / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))
                b["wasserstein"] = np.array([wasserstein_distance(p[i].ravel(), y[i].ravel()) / y[i].std()
                                             for i in idx])
            b["xi"] = self._bootstrap_xi(pos, fields[name], mask, idx[:self.XI_RESAMPLES], self._fit(name))
            out[name] = b
        return out

    #: resamples of the S4 fit (each one a nonlinear fit; the first of the shared resamples)
    XI_RESAMPLES = 200

    def _bootstrap_xi(self, pos, field, mask, idx, point) -> np.ndarray:
        """xi of the S4 fit of every resample, started from the point fit (NaN where a resample's fit
        does not determine xi; all NaN when the point fit does not)."""
        xi = np.full(len(idx), np.nan)
        if point is None:
            return xi
        resampler = S4Resampler(pos, field, self.box, mask, q_max=self.q_max)
        for j, i in enumerate(idx):
            try:
                fit = fit_s4(*resampler.resample(i)[:2], p0=(point.chi4, point.xi, max(point.A, 1e-3)))
            except (RuntimeError, ValueError):
                continue
            if fit.determined:
                xi[j] = fit.xi
        return xi

    def interval(self, name: str, key: str) -> tuple:
        """(low, high) bootstrap interval of a score of source ``name`` at t* (NaN, NaN without one)."""
        boot = (self.results or {}).get("bootstrap")
        if not boot or key not in boot[name]:
            return (float("nan"), float("nan"))
        return self._percentiles(boot[name][key])

    def paired_difference(self, name: str, other: str, key: str = "rho") -> tuple:
        """(point, (low, high)): the score ``key`` (rho, rho_pooled, chi4_ratio, wasserstein, xi) of
        ``name`` minus that of ``other`` at t*, with the bootstrap interval of the paired difference."""
        boot = self.results.get("bootstrap")
        samples = boot[name][key] - boot[other][key] if boot else np.full(1, np.nan)
        point = {"rho": "rho_P_at_t_star", "rho_pooled": "rho_P_pooled_at_t_star"}.get(key, key)
        rows = {r["source"]: r for r in self.table()}
        return rows[name][point] - rows[other][point], self._percentiles(samples)

    def _percentiles(self, values) -> tuple:
        v = np.asarray(values, dtype=float)
        n = v.size
        v = v[np.isfinite(v)]
        if v.size < max(10, 0.5 * n):  # most resamples undetermined: no interval
            return (float("nan"), float("nan"))
        a = 50 * (1 - self.confidence)
        return tuple(float(x) for x in np.percentile(v, [a, 100 - a]))

    def table(self) -> list:
        """One row per source at t* (the MD chi4 peak): rho_P per configuration (the paper's figure)
        and pooled over configurations (GlassBench's), max over t, chi4 peak, chi4 ratio and error
        |ln(chi4 / chi4_MD)| at t*, xi and A of the S4 fit (NaN when the fit is undetermined), xi
        ratio, Wasserstein-1 distance to the MD distribution / std(MD); ``*_ci``: bootstrap
        intervals over the test configurations (NaN without a bootstrap)."""
        r = self.results
        if r is None:
            raise RuntimeError("call compute() first")
        ts = r["t_star"]
        md_fit = self._fit("MD")
        rows = []
        for name in r["sources"]:
            fit = self._fit(name)
            md = name == "MD"
            with np.errstate(divide="ignore", invalid="ignore"):  # MD chi4 = 0: identical configurations
                ratio = float(r["chi4"][name][ts] / r["chi4"]["MD"][ts])
            rows.append(dict(source=name,
                             rho_P_at_t_star=1.0 if md else float(r["rho"][name][ts]),
                             rho_P_pooled_at_t_star=1.0 if md else float(r["rho_pooled"][name][ts]),
                             rho_P_max=1.0 if md else float(np.max(r["rho"][name])),
                             chi4_peak=float(np.nanmax(r["chi4"][name])),
                             chi4_ratio=ratio, chi4_error=abs(float(np.log(ratio))) if ratio > 0 else float("inf"),
                             xi=fit.xi if fit else float("nan"), A=fit.A if fit else float("nan"),
                             xi_ratio=fit.xi / md_fit.xi if fit and md_fit else float("nan"),
                             wasserstein=0.0 if md else float(r["wasserstein"][name]),
                             rho_P_ci=self.interval(name, "rho"), rho_P_pooled_ci=self.interval(name, "rho_pooled"),
                             chi4_ratio_ci=self.interval(name, "chi4_ratio"), xi_ci=self.interval(name, "xi"),
                             wasserstein_ci=self.interval(name, "wasserstein")))
        return rows

    def _fit(self, name):
        """The S4 fit of a source when it determines chi4~ and xi, else None."""
        fit = self.results["s4_fit"][name]
        return fit if fit is not None and fit.determined else None

    def claims(self, model: str = "GlassMLP", baselines=("MLP(mae)", "Ridge"), rho_tolerance: float = 0.05) -> list:
        """The claims of Jung 2023 (main text and SM III) for ``model`` against the baselines, on these
        data: list of dict(claim, held (True / False / None = undetermined), detail, interval).

        Each claim is a paired difference between ``model`` and the baselines at t*; ``interval`` is
        its bootstrap interval over test configurations.  held: the interval lies wholly on the
        claim's side; not held: wholly on the other; undetermined: it straddles the boundary (or no
        interval: fewer than 2 test configurations, or most resamples without an S4 fit)."""
        rows = {row["source"]: row for row in self.table()}
        if model not in rows or not all(b in rows for b in baselines):
            raise ValueError(f"claims need {model} and {list(baselines)} among the evaluated sources")
        boot = self.results.get("bootstrap")
        m, bs = rows[model], [rows[b] for b in baselines]
        out = []

        def verdict(point, samples, boundary=0.0, below=True):
            lo, hi = self._percentiles(samples) if samples is not None else (np.nan, np.nan)
            if not np.isfinite(lo):
                held = None
            elif below:
                held = True if hi < boundary else (False if lo > boundary else None)
            else:
                held = True if lo >= boundary else (False if hi < boundary else None)
            return held, (lo, hi), f"{point:+.3f} [{lo:+.3f}, {hi:+.3f}]" if np.isfinite(lo) else f"{point:+.3f} (no interval)"

        def err(x):
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.abs(np.log(x))

        def excess(own, others):  # own minus the best of the others, per resample (inf - inf is NaN: dropped)
            with np.errstate(invalid="ignore"):
                return own - np.min(others, axis=0)

        if "MLP(mae)" in rows:
            diff = m["rho_P_at_t_star"] - rows["MLP(mae)"]["rho_P_at_t_star"]
            samples = boot[model]["rho"] - boot["MLP(mae)"]["rho"] if boot else None
            held, ci, text = verdict(diff, samples, -rho_tolerance, below=False)
            out.append(dict(claim=f"rho_P of {model} within {rho_tolerance} of MLP(mae) (SM III: MLP(mae) slightly "
                            "better)", held=held, interval=ci, detail=f"difference {text}"))
        best = min(b["chi4_error"] for b in bs)
        samples = (excess(err(boot[model]["chi4_ratio"]), [err(boot[b]["chi4_ratio"]) for b in baselines])
                   if boot else None)
        held, ci, text = verdict(m["chi4_error"] - best, samples)
        out.append(dict(claim=f"chi4(t*) of {model} closer to MD than every baseline's", held=held, interval=ci,
                        detail=f"ratio {m['chi4_ratio']:.2f} vs " + ", ".join(
                            f"{b['source']} {b['chi4_ratio']:.2f}" for b in bs) + f"; |ln ratio| difference {text}"))
        samples = (excess(boot[model]["wasserstein"], [boot[b]["wasserstein"] for b in baselines])
                   if boot else None)
        held, ci, text = verdict(m["wasserstein"] - min(b["wasserstein"] for b in bs), samples)
        out.append(dict(claim=f"propensity distribution of {model} closer to MD (Wasserstein-1 / std)", held=held,
                        interval=ci, detail=f"{m['wasserstein']:.3f} vs " + ", ".join(
                            f"{b['source']} {b['wasserstein']:.3f}" for b in bs) + f"; difference {text}"))
        xi = [abs(np.log(x["xi_ratio"])) for x in [m] + bs]
        if all(np.isfinite(xi)):
            samples = (excess(err(boot[model]["xi"] / boot["MD"]["xi"]),
                              [err(boot[b]["xi"] / boot["MD"]["xi"]) for b in baselines]) if boot else None)
            held, ci, text = verdict(xi[0] - min(xi[1:]), samples)
            detail = "xi ratio " + ", ".join(f"{x['source']} {x['xi_ratio']:.2f}" for x in [m] + bs) + \
                f"; |ln ratio| difference {text}"
        else:
            held, ci, detail = None, (np.nan, np.nan), "an S4 fit does not fix xi: too few test configurations"
        out.append(dict(claim=f"S4 correlation length xi of {model} closer to MD's", held=held, interval=ci,
                        detail=detail))
        return out

    def markdown(self) -> str:
        """The summary table (sources x scores at t*) and the paper-claims table, as Markdown."""
        rows = self.table()
        ts = self.results["t_star"]
        lines = [f"# t* = {self.results['times'][ts]:.4g} (peak of the MD chi4)"]
        if "rho_max" in self.results:
            lines.append(f"# expected maximal rho_P(t*) with these replicas (replica-noise ceiling; a finite "
                         f"test set can exceed it): {self.results['rho_max'][ts]:.3f}")
        if self.results.get("bootstrap"):
            lines.append(f"# [low, high]: {100 * self.confidence:g} % bootstrap intervals ({self.n_bootstrap} "
                         f"resamples of the {self.results['n_configurations']} test configurations)")
        lines += ["| source | rho_P(t*) per conf. | rho_P(t*) pooled | max_t rho_P | chi4 peak | chi4(t*)/MD | "
                  "xi | A | xi/MD | W1/std |", "|---|---|---|---|---|---|---|---|---|---|"]

        def ci(value, interval, fmt):
            lo, hi = interval
            return f"{value:{fmt}}" + (f" [{lo:{fmt}}, {hi:{fmt}}]" if np.isfinite(lo) else "")

        lines += [f"| {r['source']} | {ci(r['rho_P_at_t_star'], r['rho_P_ci'], '.3f')} | "
                  f"{ci(r['rho_P_pooled_at_t_star'], r['rho_P_pooled_ci'], '.3f')} | "
                  f"{r['rho_P_max']:.3f} | {r['chi4_peak']:.3g} | {ci(r['chi4_ratio'], r['chi4_ratio_ci'], '.2f')} | "
                  f"{ci(r['xi'], r['xi_ci'], '.3g')} | {r['A']:.3g} | {r['xi_ratio']:.2f} | "
                  f"{ci(r['wasserstein'], r['wasserstein_ci'], '.3f')} |" for r in rows]
        if {"GlassMLP", "MLP(mae)", "Ridge"} <= set(self.results["sources"]):
            lines += ["", "| Jung 2023 claim | held | measured |", "|---|---|---|"]
            lines += [f"| {c['claim']} | {'undetermined' if c['held'] is None else ('yes' if c['held'] else 'no')} | "
                      f"{c['detail']} |" for c in self.claims()]
        return "\n".join(lines) + "\n"

    def write_table(self, path, extra: str = "", **stamp) -> None:
        """``markdown()`` (+ ``extra``) with the provenance stamp ``stamp`` (see io.provenance)."""
        from ..io.provenance import save_text

        save_text(path, self.markdown() + extra, **stamp)

    def plot(self, folder, labels=None, predictions=None, positions=None, snapshot: int = 0) -> list:
        """Write rho_p.png, distributions.png, chi4.png, s4.png, g4.png (and snapshots.png when the
        fields and 2D positions are given); returns the paths."""
        import matplotlib.pyplot as plt

        r = self.results
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        t, ts = r["times"], r["t_star"]
        paths = []

        def save(fig, name):
            fig.tight_layout()
            fig.savefig(folder / name, dpi=110)
            plt.close(fig)
            paths.append(folder / name)

        fig, ax = plt.subplots(figsize=(5, 3.8))
        for name in r["sources"][1:]:
            ax.errorbar(t, r["rho"][name], yerr=r["rho_std"][name], marker="o", ms=3, capsize=2, label=name)
        if "rho_max" in r:
            ax.plot(t, r["rho_max"], "k-.", lw=1, label="expected max. (replica noise)")
        ax.set(xscale="log", xlabel="t", ylabel=r"$\rho_P$", ylim=(min(0, ax.get_ylim()[0]), 1))
        ax.legend()
        save(fig, "rho_p.png")

        show = sorted({0, ts, len(t) - 1})
        fig, axes = plt.subplots(1, len(show), figsize=(4 * len(show), 3.4), squeeze=False)
        centres = 0.5 * (r["bins"][1:] + r["bins"][:-1])
        for ax, k in zip(axes[0], show):
            for name in r["sources"]:
                ax.plot(centres, r["hist"][name][k], label=name, lw=2 if name == "MD" else 1)
            ax.set(xlabel="propensity", ylabel="P", title=f"t = {t[k]:.3g}")
        axes[0][0].legend()
        save(fig, "distributions.png")

        fig, ax = plt.subplots(figsize=(5, 3.8))
        for name in r["sources"]:
            ax.plot(t, r["chi4"][name], marker="o", ms=3, label=name, lw=2 if name == "MD" else 1)
        ax.set(xscale="log", xlabel="t", ylabel=r"$\chi_4(t)$")
        ax.legend()
        save(fig, "chi4.png")

        fig, ax = plt.subplots(figsize=(5, 3.8))
        qq = np.linspace(0.02, self.q_max, 200)
        for name in r["sources"]:
            q, s4 = r["s4"][name]
            line, = ax.plot(q, s4, "o", ms=4, label=name)
            fit = r["s4_fit"][name]
            if fit is not None:
                ax.plot(qq, fit(qq), color=line.get_color(), lw=1,
                        label=rf"  fit $\xi$={fit.xi:.2f}, A={fit.A:.2f}")
        ax.set(xscale="log", yscale="log", xlabel="q", ylabel=f"S4(q, t*={t[ts]:.3g})")
        ax.legend(fontsize=7)
        save(fig, "s4.png")

        fig, ax = plt.subplots(figsize=(5, 3.8))
        for name in r["sources"]:
            rr, gg = r["g4"][name]
            ax.plot(rr, gg, label=name)
        ax.axhline(0, color="k", lw=0.5)
        ax.set(xlabel="r", ylabel=f"G4(r, t*={t[ts]:.3g})")
        ax.legend()
        save(fig, "g4.png")

        if labels is not None and positions is not None and np.asarray(positions).shape[-1] == 2:
            names = ["MD"] + list(predictions or {})
            fields = [np.asarray(labels)[snapshot, ts]] + [np.asarray(predictions[n])[snapshot, ts]
                                                           for n in names[1:]]
            mask = np.ones(len(fields[0]), bool) if self.mask is None else np.asarray(self.mask, bool)
            x = np.asarray(positions)[snapshot]
            fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 4), squeeze=False)
            ref = fields[0][mask]
            for ax, name, f in zip(axes[0], names, fields):
                z = self.mobility(f[mask])
                sc = ax.scatter(x[mask, 0], x[mask, 1], c=z, s=9, cmap="coolwarm", vmin=-2, vmax=2)
                title = name if name == "MD" else f"{name} (rho_P = {pearson(f[mask], ref):.2f})"
                ax.set(aspect="equal", title=title, xticks=[], yticks=[])
            fig.colorbar(sc, ax=axes[0].tolist(), shrink=0.8, label="standardised mobility (red = mobile)")
            fig.savefig(folder / "snapshots.png", dpi=110)
            plt.close(fig)
            paths.append(folder / "snapshots.png")
        return paths
