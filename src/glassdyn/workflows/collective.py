"""Seed 003 collective route on a state-point library: FsMLP training / evaluation / transfer
studies, MCT side by side, T_mct from the library's own S(k; T), memory kernels of real dynamics.

Library: :func:`glassdyn.io.library.read_library` (a :class:`~glassdyn.io.library.StatePointLibrary`).  Model folder: ``fsmlp.npz`` +
``fsmlp.json`` (split by state, library path, training seconds).
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..io.provenance import save_json
from ..learn.fsmlp import FsMLP, library_rows, r2_score, rmse, split_states
from ..results import Result
from ..io.library import StatePointLibrary, read_library

__all__ = ["mct_structure", "library_tmct", "train_fsmlp", "evaluate_fsmlp", "transfer_study",
           "mct_self_scattering", "memory_kernels", "MemoryKernels", "evaluate_fsmlp_folder", "FsMLPEvaluation"]

log = logging.getLogger(__name__)


def mct_structure(lib: StatePointLibrary, i: int) -> tuple:
    """(k, S (N_k, 2, 2), rho, x) of library state i for the MCT solvers.

    The first bin (k < 2 pi / L) holds no wave vector: it takes the value of the first measured
    bin (S is flat there for a liquid).
    """
    S = np.empty((lib.k.size, 2, 2))
    aa, ab, bb = lib.S[i].T
    S[:, 0, 0], S[:, 0, 1], S[:, 1, 0], S[:, 1, 1] = aa, ab, ab, bb
    bad = ~np.all(np.isfinite(S), axis=(1, 2))
    first = int(np.argmin(bad))
    S[bad] = S[first]
    x_a = S[-10:, 0, 0].mean() / (S[-10:, 0, 0].mean() + S[-10:, 1, 1].mean())
    return lib.k, S, float(lib.rho[i]), np.array([x_a, 1 - x_a])


def library_tmct(lib: StatePointLibrary, interaction: int, rho: float, tol: float = 1e-3) -> float:
    """T_mct of fit-parameter-free MCT from the library's S(k; T) at one (interaction, rho),
    bracketed by the coldest ergodic and hottest glassy MCT states among the simulated,
    equilibrated T (a glass's S(k) is not the equilibrium structure at its T)."""
    from ..theory.mct import nonergodicity_parameter
    from ..theory.mct_mixture import MixtureMCT, critical_temperature

    sel = np.flatnonzero((lib.interaction == interaction) & np.isclose(lib.rho, rho) & lib.equilibrated)
    if sel.size < 2:
        raise ValueError(f"need >= 2 equilibrated states at interaction {interaction}, rho {rho}; have {sel.size}")
    sel = sel[np.argsort(lib.temperature[sel])]
    temps = lib.temperature[sel]
    structs = [mct_structure(lib, i) for i in sel]
    k, _, _, x = structs[0]
    S = np.array([s[1] for s in structs])
    glassy = []
    for Si in S:
        kern = MixtureMCT(k, Si, rho, x)
        f, _ = nonergodicity_parameter(kern, Si, kern.gamma, tol=1e-8)
        glassy.append(bool(np.max(np.abs(f)) > 1e-6))
    glassy = np.array(glassy)
    if glassy.all() or not glassy.any():
        raise ValueError(f"MCT transition not bracketed by the simulated temperatures {temps.tolist()} "
                         f"(glassy: {glassy.tolist()})")
    lo = temps[np.flatnonzero(glassy)].max()
    hi = temps[np.flatnonzero(~glassy)].min()
    if hi < lo:
        raise ValueError(f"MCT glassiness is not monotone in T over {temps.tolist()}: {glassy.tolist()}")
    return critical_temperature(k, temps, S, rho, x, t_low=lo, t_high=hi, tol=tol)


def mct_self_scattering(lib: StatePointLibrary, i: int, t_max: float = 1e4):
    """MCT F_s^aa(k_p, t) of state i in the paper's Eq. 1 normalisation (times t, (n_t, 2)).

    Brownian MCT with microscopic diffusivity D_0 = k_B T (friction 1 in LJ units), so that times
    are comparable across temperatures; the overall time unit is a convention (no fit).
    """
    from ..theory.mct import TaggedMCT
    from ..theory.mct_mixture import MixtureMCT

    k, S, rho, x = mct_structure(lib, i)
    kern = MixtureMCT(k, S, rho, x, D=float(lib.temperature[i]))
    sol = TaggedMCT(kern).solve(t_max=t_max)
    ip = int(np.argmin(np.abs(k - lib.k_p[i])))
    n = k.size
    fs = np.stack([sol.F[:, n + ip, 0, 0], sol.F[:, n + ip, 1, 1]], axis=1)
    s_aa = np.array([S[ip, 0, 0], S[ip, 1, 1]])
    return sol.t, fs * s_aa[None, :]


def train_fsmlp(library, out, states=None, test_fraction: float = 0.1, seed: int = 0, epochs: int = 300,
                source=None) -> tuple:
    """Train an FsMLP on a library path or loaded dict (split by state unless
    ``states=dict(train=..., test=...)``); ``source`` names the library file of a loaded dict."""
    lib = library if isinstance(library, StatePointLibrary) else read_library(library)
    split = states or split_states(len(lib.temperature), test_fraction, seed)
    X, y, _, _ = library_rows(lib, split["train"])
    model = FsMLP(epochs=epochs, seed=seed).fit(X, y)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    prov = dict(split=split, library=str(source or (library if not isinstance(library, StatePointLibrary) else "<in memory>")),
                train_seconds=model.train_seconds_, n_rows=int(len(X)))
    model.save(out / "fsmlp.npz", **prov)
    lib_path = source or (library if not isinstance(library, StatePointLibrary) else None)
    save_json(out / "fsmlp.json", dict(version=__version__, **prov),
              parameters=dict(model.get_params(), test_fraction=test_fraction), seeds=seed,
              inputs=[lib_path] if lib_path else [])
    log.info(f"FsMLP: {len(split['train'])} training states ({len(X)} rows), {epochs} epochs in "
        f"{model.train_seconds_:.0f} s")
    return model, split


def evaluate_fsmlp(model: FsMLP, lib: StatePointLibrary, states) -> dict:
    """Per-state R^2 and RMSE (both species, all times), plus pooled R^2, and the predictions."""
    out = dict(states=list(states), r2=[], rmse=[], t_over_tmct=[], predictions={})
    ys, ps = [], []
    for i in states:
        X, y, _, logt = library_rows(lib, [i])
        p = model.predict(X)
        out["r2"].append(r2_score(y, p))
        out["rmse"].append(rmse(y, p))
        out["t_over_tmct"].append(float(lib.temperature[i] / lib.t_mct_paper[i]))
        out["predictions"][int(i)] = (10 ** logt, y, p)
        ys.append(y)
        ps.append(p)
    out["r2_pooled"] = r2_score(np.concatenate(ys), np.concatenate(ps))
    for key in ("r2", "rmse", "t_over_tmct"):
        out[key] = np.array(out[key])
    return out


def transfer_study(lib: StatePointLibrary, kind: str, seed: int = 0, epochs: int = 300, t0: float = 1.0) -> dict:
    """Seed Figs. 4-5: ``kind="temperature"`` trains on T / T_mct > t0 and tests below;
    ``kind="lj->wca"`` / ``"wca->lj"`` trains on one interaction and tests on the other."""
    ratio = lib.temperature / lib.t_mct_paper
    if kind == "temperature":
        train, test = np.flatnonzero(ratio > t0), np.flatnonzero(ratio <= t0)
    elif kind in ("lj->wca", "wca->lj"):
        src = 0 if kind == "lj->wca" else 1
        train, test = np.flatnonzero(lib.interaction == src), np.flatnonzero(lib.interaction != src)
    else:
        raise ValueError("kind must be 'temperature', 'lj->wca' or 'wca->lj'")
    if train.size == 0 or test.size == 0:
        raise ValueError(f"{kind}: empty training or test set")
    X, y, _, _ = library_rows(lib, train)
    t_start = time.perf_counter()
    model = FsMLP(epochs=epochs, seed=seed).fit(X, y)
    res = evaluate_fsmlp(model, lib, test)
    res.update(kind=kind, train=train.tolist(), seconds=time.perf_counter() - t_start)
    return res


class MemoryKernels(Result):
    """CMA-ES fits of the paper's stretched-exponential memory (Eq. 8) to F_s^AA(k_p, t) / S^AA(k_p) of
    library states: ``rows`` (one dict per state: T, T/T_mct, R² and loss per N_exp, the memory
    parameters, the gain of the second channel), with data and fitted curves for the figure."""

    name = "memory_kernels"
    panels = 2

    def __init__(self, rows, curves, n_exp, parameters, inputs=()):
        self.rows, self.curves, self.n_exp = rows, curves, list(n_exp)
        self.parameters, self.inputs = parameters, tuple(inputs)

    def arrays(self) -> dict:
        return dict(rows=json.dumps(self.rows))

    def summary(self) -> str:
        return "\n".join(
            f"T/T_mct = {r['t_over_tmct']:.2f}: " + ", ".join(f"N_exp={n}: R² = {r[f'r2_{n}']:.5f}" for n in self.n_exp)
            + (f", loss reduction by the 2nd channel {r['second_channel_gain']:.2f}" if "second_channel_gain" in r else "")
            for r in self.rows)

    def plot(self, ax=None):
        ax = self._axes(ax, 5.0)
        for row, (t, phi, fitted, memory) in zip(self.rows, self.curves):
            line, = ax[0].semilogx(t, phi, "o", ms=3)
            ax[0].semilogx(t, fitted, "-", color=line.get_color(), label=f"T/T_mct = {row['t_over_tmct']:.2f}")
            ax[1].loglog(t, np.abs(memory), color=line.get_color())
        ax[0].set(xlabel="t", ylabel="F_s^AA(k_p, t) / S^AA(k_p)", title=f"fits with N_exp = {max(self.n_exp)}")
        ax[0].legend(fontsize=7)
        ax[1].set(xlabel="t", ylabel="|M(t)|")
        return ax

    def write_data(self, folder: Path, stamp: dict) -> Path:
        """memory_kernels.json: the rows (readable) and the stamp."""
        from ..io.atomic import atomic_write_text

        path = folder / "memory_kernels.json"
        atomic_write_text(path, json.dumps(dict(results=self.rows, provenance=stamp), indent=1))
        return path


def memory_kernels(lib: StatePointLibrary, interaction: str, rho: float, n_exp=(1, 2), states: int | None = None,
                   seed: int = 0, max_evaluations: int = 4000, library_path=None) -> MemoryKernels:
    """Fit the memory kernel of every equilibrated library state at (interaction, rho) (``states``:
    that many, spread over T, hottest first), Omega^2 = k_p^2 k_B T (overdamped, friction 1)."""
    from ..theory.memory_fit import fit_memory

    sel = np.flatnonzero((lib.interaction == {"lj": 0, "wca": 1}[interaction])
                         & np.isclose(lib.rho, rho) & lib.equilibrated.astype(bool))
    if sel.size == 0:
        raise ValueError("no equilibrated states at that interaction and density")
    sel = sel[np.argsort(-lib.temperature[sel])]
    if states:
        sel = sel[np.linspace(0, sel.size - 1, min(states, sel.size)).round().astype(int)]
    rows, curves = [], []
    for i in sel:
        t = lib.times[i]
        ok = np.isfinite(t)
        ip = int(np.argmin(np.abs(lib.k - lib.k_p[i])))
        phi = lib.Fs[i][ok, 0] / lib.S[i, ip, 0]
        omega2 = lib.k_p[i] ** 2 * lib.temperature[i]  # overdamped, D_0 = k_B T (friction 1)
        row = dict(state=int(i), T=float(lib.temperature[i]),
                   t_over_tmct=float(lib.temperature[i] / lib.t_mct_paper[i]))
        for n in n_exp:
            fit = fit_memory(t[ok], phi, omega2, n_exp=n, seed=seed, max_evaluations=max_evaluations)
            row[f"r2_{n}"], row[f"loss_{n}"], row[f"memory_{n}"] = fit.r2, fit.loss, fit.memory.to_dict()
            if n == max(n_exp):
                curves.append((t[ok], phi, fit.F_fit, fit.memory(t[ok])))
        if 1 in n_exp and 2 in n_exp:  # how much the second channel buys (paper Fig. 7, S7)
            row["second_channel_gain"] = 1.0 - row["loss_2"] / row["loss_1"]
        rows.append(row)
    params = dict(interaction=interaction, rho=rho, n_exp=list(n_exp), states=states,
                  max_evaluations=max_evaluations)
    result = MemoryKernels(rows, curves, n_exp, params, () if library_path is None else (library_path,))
    result.seeds = seed
    return result


class FsMLPEvaluation(Result):
    """A trained FsMLP scored on its held-out library states (paper Figs. 2-3): per-state R² and
    RMSE against T / T_mct, pooled R², and simulation / FsMLP / MCT curves of four test states."""

    name = "fsmlp_evaluation"
    figure = "fs_test_states"
    panels = 2

    def __init__(self, lib, scores: dict, mct: dict, parameters, inputs=()):
        self.lib, self.scores, self.mct = lib, scores, mct
        self.parameters, self.inputs = parameters, tuple(inputs)

    def arrays(self) -> dict:
        s = self.scores
        return dict(states=np.asarray(s["states"]), r2=s["r2"], rmse=s["rmse"], t_over_tmct=s["t_over_tmct"],
                    r2_pooled=s["r2_pooled"])

    def table(self) -> str:
        lib, s = self.lib, self.scores
        rows = [f"| {i} | {lib.interaction[i]} | {lib.rho[i]:.2f} | {lib.temperature[i]:.4g} | "
                f"{x:.2f} | {r:.4f} | {e:.4f} |"
                for i, x, r, e in zip(s["states"], s["t_over_tmct"], s["r2"], s["rmse"])]
        return ("| state | interaction (0 LJ, 1 WCA) | rho | T | T/T_mct | R² | RMSE |\n|---|---|---|---|---|---|---|\n"
                + "\n".join(rows) + f"\n\npooled R² = {s['r2_pooled']:.4f}\n")

    def summary(self) -> str:
        return (f"held-out states: R² = {np.round(self.scores['r2'], 3).tolist()}, "
                f"pooled {self.scores['r2_pooled']:.4f}")

    def shown_states(self) -> np.ndarray:
        """Four test states from hot to cold (paper Fig. 2)."""
        test = np.array(self.scores["states"])
        order = test[np.argsort(-self.scores["t_over_tmct"])]
        return order[np.linspace(0, len(order) - 1, min(4, len(order))).round().astype(int)]

    def plot(self, ax=None):
        """Seed Fig. 2 on two axes (F_s^AA, F_s^BB): solid MD, dash-dot FsMLP, dotted MCT."""
        import matplotlib.pyplot as plt

        axes = self._axes(ax, 5.0)
        show = self.shown_states()
        for c, i in zip(plt.cm.plasma(np.linspace(0, 0.85, len(show))), show):
            t, y, p = self.scores["predictions"][int(i)]
            label = f"T/T_mct = {self.lib.temperature[i] / self.lib.t_mct_paper[i]:.2f}"
            mct = self.mct.get(int(i))
            for a, axis in enumerate(axes):
                axis.semilogx(t, y[:, a], "-", color=c, label=label if a == 0 else None)
                axis.semilogx(t, p[:, a], "-.", color=c)
                if mct is not None:
                    keep = mct[0] >= t.min()
                    axis.semilogx(mct[0][keep], mct[1][keep, a], ":", color=c)
        for a, axis in enumerate(axes):
            axis.set(xlabel="t", ylabel=f"F_s^{'AA' if a == 0 else 'BB'}(k_p, t)",
                     title="solid: MD   dash-dot: FsMLP   dotted: MCT")
        axes[0].legend(fontsize=8)
        return axes

    def plot_r2(self, ax=None):
        """Seed Fig. 3: R² of each held-out state against T / T_mct."""
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(5, 3.8))[1]
        ax.plot(self.scores["t_over_tmct"], self.scores["r2"], "o")
        ax.axhline(1, color="k", lw=0.5)
        ax.set(xlabel="T / T_mct", ylabel="R²", title=f"held-out states, pooled R² = {self.scores['r2_pooled']:.3f}")
        return ax

    def save(self, folder) -> Path:
        """fs_test_states.png, r2_vs_temperature.png, summary.md (+ fsmlp_evaluation.npz)."""
        import matplotlib.pyplot as plt

        from ..io.provenance import save_text

        folder = Path(folder)
        path = super().save(folder)
        ax = self.plot_r2()
        ax.figure.tight_layout()
        ax.figure.savefig(folder / "r2_vs_temperature.png", dpi=110)
        plt.close(ax.figure)
        save_text(folder / "summary.md", self.table(), parameters=self.parameters, inputs=self.inputs)
        return path


def evaluate_fsmlp_folder(lib: StatePointLibrary, folder, with_mct: bool = True, library_path=None) -> FsMLPEvaluation:
    """Score the FsMLP of a model folder (``fsmlp.npz``) on its own held-out states of ``lib``, with
    the MCT F_s of the shown states unless ``with_mct`` is False."""
    folder = Path(folder)
    model = FsMLP.load(folder / "fsmlp.npz")
    test = model.meta_["split"]["test"]
    if max(test) >= len(lib.temperature):
        from ..errors import InputFileError

        raise InputFileError("the model's test states do not exist in this library")
    result = FsMLPEvaluation(lib, evaluate_fsmlp(model, lib, test), {}, dict(model=str(folder), with_mct=with_mct),
                             [folder / "fsmlp.npz"] + ([library_path] if library_path else []))
    if with_mct:
        for i in result.shown_states():
            t = result.scores["predictions"][int(i)][0]
            try:
                result.mct[int(i)] = mct_self_scattering(lib, int(i), t_max=t.max())
            except (ValueError, np.linalg.LinAlgError) as exc:
                log.warning(f"  MCT skipped for state {i}: {exc}")
    return result
