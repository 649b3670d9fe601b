"""Memory kernels as sums of stretched exponentials, fitted by CMA-ES (Ciarella 2023, Eqs. 5-7, Methods D).

    M_ab(t) = c_ab + sum_{i < N_exp} w_i,ab { (1 - a_i,ab) exp[-(t / tau_i,ab)^b_i,ab] + a_i,ab }

for every species pair a <= b (M symmetric), i.e. n_pairs (1 + 4 N_exp) parameters.  The memory
equation F' + Omega^2 F + int M(t - s) F'(s) ds = 0 is solved with the compiled
:func:`~glassdyn.theory.memory_equation.solve_given_memory`, and CMA-ES (pycma) minimises

    L = sum_{t_i, a} [F_aa(t_i) - F_fit,aa(t_i)]^2 + lasso * sum |w|          (paper Eq. 7)

over encoded parameters: log for the positive c, w, tau, b and logit for a in [0, 1], with box
bounds on b (0.1 <= b <= 3) and tau inside [t_min / 100, 100 t_max] of the target.  Seeded and
reproducible.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..results import Result
from .memory_equation import solve_given_memory

__all__ = ["MemoryFits", "fit_memories", "StretchedMemory", "MemoryFit", "fit_memory", "r2_score"]

_FLOOR = 1e-12  # c = exp(theta) cannot be exactly 0; 1e-12 is 0 for every practical purpose


@dataclass
class StretchedMemory:
    """Parameters of Eq. 6 for an s x s symmetric memory: arrays over pairs (n_pairs,) and
    (n_pairs, N_exp).  Pairs are ordered (0,0), (0,1), ..., (1,1), ..."""

    n_species: int
    c: np.ndarray
    w: np.ndarray
    a: np.ndarray
    tau: np.ndarray
    b: np.ndarray

    @property
    def n_exp(self) -> int:
        return self.w.shape[1]

    @property
    def pairs(self):
        s = self.n_species
        return [(i, j) for i in range(s) for j in range(i, s)]

    def __call__(self, t) -> np.ndarray:
        """M(t) (T, s, s) (or (T,) for one species)."""
        t = np.asarray(t, dtype=float)
        s = self.n_species
        out = np.zeros((t.size, s, s))
        for p, (i, j) in enumerate(self.pairs):
            m = np.full(t.size, self.c[p])
            for e in range(self.n_exp):
                m += self.w[p, e] * ((1 - self.a[p, e]) * np.exp(-(t / self.tau[p, e]) ** self.b[p, e])
                                     + self.a[p, e])
            out[:, i, j] = out[:, j, i] = m
        return out[:, 0, 0] if s == 1 else out

    # encoding for CMA-ES ------------------------------------------------------------------------
    def encode(self) -> np.ndarray:
        logit = np.log(np.clip(self.a, 1e-9, 1 - 1e-9) / (1 - np.clip(self.a, 1e-9, 1 - 1e-9)))
        per_pair = [np.log(np.maximum(self.c, _FLOOR))[:, None], np.log(self.w), logit,
                    np.log(self.tau), np.log(self.b)]
        return np.concatenate([x.reshape(len(self.pairs), -1) for x in per_pair], axis=1).ravel()

    @classmethod
    def decode(cls, theta, n_species: int, n_exp: int) -> "StretchedMemory":
        n_pairs = n_species * (n_species + 1) // 2
        th = np.asarray(theta, dtype=float).reshape(n_pairs, 1 + 4 * n_exp)
        e = n_exp
        return cls(n_species, np.exp(th[:, 0]), np.exp(th[:, 1:1 + e]),
                   1 / (1 + np.exp(-th[:, 1 + e:1 + 2 * e])), np.exp(th[:, 1 + 2 * e:1 + 3 * e]),
                   np.exp(th[:, 1 + 3 * e:]))

    @classmethod
    def fit_curve(cls, t, M, n_exp: int = 2) -> "StretchedMemory":
        """Least-squares fit of Eq. 6 to a known scalar memory curve M(t) (e.g. M_mct), residuals
        relative to max M: the starting point the paper uses for the evolution (Methods D)."""
        from scipy.optimize import least_squares

        t = np.asarray(t, dtype=float)
        M = np.asarray(M, dtype=float)
        if np.any(M < 0):
            raise ValueError("fit_curve needs a non-negative memory")
        taus = np.geomspace(t[0] * 10, t[-1] / 10, n_exp)
        start = cls(1, np.array([M[-1] * 0.5 + 1e-12]), np.full((1, n_exp), M[0] / n_exp),
                    np.full((1, n_exp), 0.01), taus[None, :], np.full((1, n_exp), 0.8))
        scale = M.max()
        best = None
        for shift in np.linspace(-2, 2, 5):  # a few starting time scales; keep the best
            trial = cls(1, start.c, start.w, start.a, start.tau * 10.0**shift, start.b)
            with np.errstate(over="ignore", invalid="ignore"):
                res = least_squares(lambda th: (cls.decode(th, 1, n_exp)(t) - M) / scale,
                                    trial.encode(), method="trf", max_nfev=5000)
            if best is None or res.cost < best.cost:
                best = res
        return cls.decode(best.x, 1, n_exp)

    def to_dict(self) -> dict:
        return dict(n_species=self.n_species, c=self.c.tolist(), w=self.w.tolist(), a=self.a.tolist(),
                    tau=self.tau.tolist(), b=self.b.tolist())


@dataclass
class MemoryFit:
    """Result of :func:`fit_memory`: the memory, the fitted F on the target times, loss and R^2."""

    memory: StretchedMemory
    t: np.ndarray
    F_target: np.ndarray
    F_fit: np.ndarray
    loss: float
    r2: float
    evaluations: int
    history: list = field(default_factory=list)

    def plot(self, axes=None):
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        target = self.F_target.reshape(self.t.size, -1)
        fit = self.F_fit.reshape(self.t.size, -1)
        for a in range(target.shape[1]):
            axes[0].semilogx(self.t, target[:, a], "o", ms=3, label=f"target {a}")
            axes[0].semilogx(self.t, fit[:, a], "-", label=f"fit {a}")
        axes[0].set(xlabel="t", ylabel="F(k, t)")
        axes[0].legend()
        m = self.memory(self.t)
        m = m.reshape(self.t.size, -1) if m.ndim > 1 else m[:, None]
        axes[1].loglog(self.t, np.abs(m))
        axes[1].set(xlabel="t", ylabel="|M(t)|")
        return axes


def r2_score(target, prediction) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot over all entries (paper Eq. 2-4)."""
    target = np.asarray(target, dtype=float).ravel()
    prediction = np.asarray(prediction, dtype=float).ravel()
    ss_tot = np.sum((target - target.mean()) ** 2)
    return float(1 - np.sum((target - prediction) ** 2) / ss_tot)


def _diag(F):
    return F if F.ndim == 1 else np.diagonal(F, axis1=1, axis2=2)


def solve_with_memory(memory, F0, omega2, t, n: int = 64, h0: float | None = None):
    """F(t) on the requested times t (increasing, > 0) for a known memory; log-time interpolation."""
    t = np.asarray(t, dtype=float)
    h0 = t[0] / 64 if h0 is None else h0
    sol = solve_given_memory(F0, omega2, memory, t_max=t[-1] * 1.0001, h0=h0, n=n)
    logt = np.log(np.maximum(sol.t, 1e-300))
    F = sol.F.reshape(sol.t.size, -1)
    out = np.stack([np.interp(np.log(t), logt[1:], F[1:, c]) for c in range(F.shape[1])], axis=1)
    return out.reshape((t.size,) + np.shape(F0))


def fit_memory(t, F_target, omega2, *, F0=None, n_exp: int = 2, initial: StretchedMemory = None,
               sigma0: float = 0.5, lasso: float = 1e-6, max_evaluations: int = 20000,
               tol: float = 1e-10, seed: int = 0, n: int = 64, verbose: bool = False) -> MemoryFit:
    """Fit Eq. 6 so that the memory equation reproduces F_target.

    Parameters
    ----------
    t : (T,) increasing positive times of the target.
    F_target : (T,) or (T, s, s) (only the diagonal is fitted, as in paper Eq. 7).
    omega2 : Omega^2 (scalar or (s, s)).
    F0 : F(0) (default: identity / 1, the self-correlation normalisation).
    initial : starting memory (the paper starts from M_mct); default a neutral guess.
    sigma0 : initial CMA-ES step in the encoded (log / logit) space.
    """
    import cma

    t = np.asarray(t, dtype=float)
    F_target = np.asarray(F_target, dtype=float)
    if t.ndim != 1 or t.size < 3 or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be an increasing array of at least 3 positive times")
    if F_target.shape[0] != t.size or F_target.ndim not in (1, 3):
        raise ValueError("F_target must have shape (T,) or (T, s, s) matching t")
    if not np.all(np.isfinite(F_target)):
        raise ValueError("F_target contains NaN or inf")
    if int(n_exp) != n_exp or n_exp < 1:
        raise ValueError(f"n_exp (stretched exponentials in the memory) must be an integer >= 1, got {n_exp}")
    s = 1 if F_target.ndim == 1 else F_target.shape[1]
    F0 = (1.0 if s == 1 else np.eye(s)) if F0 is None else np.asarray(F0, dtype=float)
    omega2 = np.asarray(omega2, dtype=float)
    if not np.all(np.isfinite(omega2)) or np.any(np.diagonal(np.atleast_2d(omega2)) <= 0):
        raise ValueError(f"omega2 (Omega^2 = k^2 k_B T / m) must be positive, got {omega2.tolist()}")
    n_pairs = s * (s + 1) // 2
    if initial is None:
        scale = float(np.mean(np.diagonal(np.atleast_2d(omega2))))
        taus = np.geomspace(t[0] * 10, t[-1] / 10, n_exp) if n_exp > 1 else np.array([np.sqrt(t[0] * t[-1])])
        initial = StretchedMemory(s, np.full(n_pairs, 1e-6), np.full((n_pairs, n_exp), scale),
                                  np.full((n_pairs, n_exp), 0.01), np.tile(taus, (n_pairs, 1)),
                                  np.full((n_pairs, n_exp), 0.8))
    if initial.n_species != s or initial.n_exp != n_exp:
        raise ValueError("initial memory does not match the number of species or n_exp")
    target_diag = _diag(F_target)

    def decode(theta):
        return StretchedMemory.decode(theta, s, n_exp)

    def loss(theta):
        mem = decode(theta)
        try:
            F = solve_with_memory(mem, F0, omega2, t, n=n)
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            return 1e6
        if not np.all(np.isfinite(F)):
            return 1e6
        return float(np.sum((_diag(F) - target_diag) ** 2) + lasso * np.sum(np.abs(mem.w)))

    x0 = initial.encode()
    per = 1 + 4 * n_exp
    lower = np.full((n_pairs, per), -np.inf)
    upper = np.full((n_pairs, per), np.inf)
    lower[:, 0] = np.log(_FLOOR)
    lower[:, 1 + 2 * n_exp:1 + 3 * n_exp] = np.log(t[0] / 100)
    upper[:, 1 + 2 * n_exp:1 + 3 * n_exp] = np.log(t[-1] * 100)
    lower[:, 1 + 3 * n_exp:] = np.log(0.1)
    upper[:, 1 + 3 * n_exp:] = np.log(3.0)
    x0 = np.clip(x0, lower.ravel() + 1e-9, upper.ravel() - 1e-9)
    options = dict(seed=seed + 1, bounds=[lower.ravel().tolist(), upper.ravel().tolist()],
                   maxfevals=max_evaluations, tolfun=tol, verbose=-9 if not verbose else 1)
    es = cma.CMAEvolutionStrategy(x0, sigma0, options)
    history = []
    while not es.stop():
        cand = es.ask()
        es.tell(cand, [loss(c) for c in cand])
        history.append(float(es.result.fbest))
    best = decode(es.result.xbest)
    F_fit = solve_with_memory(best, F0, omega2, t, n=n)
    return MemoryFit(best, t, F_target, F_fit, float(es.result.fbest),
                     r2_score(target_diag, _diag(F_fit)), int(es.result.evaluations), history)


class MemoryFits(Result):
    """Fits of one target F(t) with several numbers of stretched exponentials (``fits``: N_exp ->
    :class:`MemoryFit`); saved as memory_fit.json (+ png)."""

    name = "memory_fit"
    panels = 2

    def __init__(self, t, F, fits: dict, parameters, inputs=()):
        self.t, self.F, self.fits = t, F, fits
        self.parameters, self.inputs = parameters, tuple(inputs)

    def arrays(self) -> dict:
        return dict(t=self.t, F=self.F)

    def summary(self) -> str:
        return "\n".join(f"N_exp={n}: R^2 = {r.r2:.6f}, loss = {r.loss:.3e}, {r.evaluations} evaluations; "
                         f"memory {r.memory.to_dict()}" for n, r in self.fits.items())

    def plot(self, ax=None):
        ax = self._axes(ax)
        for n, r in self.fits.items():
            ax[0].semilogx(r.t, r.F_fit, label=f"N_exp={n} (R²={r.r2:.4f})")
            ax[1].loglog(r.t, np.abs(r.memory(r.t)), label=f"N_exp={n}")
        ax[0].semilogx(self.t, self.F, "k.", ms=3, label="target")
        ax[0].set(xlabel="t", ylabel="F(t)")
        ax[1].set(xlabel="t", ylabel="M(t)")
        ax[0].legend(fontsize=8)
        return ax

    def write_data(self, folder: Path, stamp: dict) -> Path:
        """memory_fit.json: the fits (readable) and the stamp."""
        from ..io.atomic import atomic_write_text

        path = folder / "memory_fit.json"
        fits = {str(n): dict(r2=r.r2, loss=r.loss, memory=r.memory.to_dict()) for n, r in self.fits.items()}
        atomic_write_text(path, json.dumps(dict(fits=fits, provenance=stamp), indent=1))
        return path


def fit_memories(t, F, omega2: float, F0: float = 1.0, n_exp=(1, 2, 3), seed: int = 0,
                 max_evaluations: int = 20000, source=None) -> MemoryFits:
    """:func:`fit_memory` of one target with each number of exponentials in ``n_exp`` (t > 0 only)."""
    t, F = np.asarray(t, dtype=float), np.asarray(F, dtype=float)
    keep = t > 0
    fits = {n: fit_memory(t[keep], F[keep], omega2, F0=F0, n_exp=n, seed=seed, max_evaluations=max_evaluations)
            for n in n_exp}
    result = MemoryFits(t[keep], F[keep], fits, dict(omega2=omega2, F0=F0, n_exp=list(n_exp),
                                                     max_evaluations=max_evaluations),
                        () if source is None else (source,))
    result.seeds = seed
    return result
