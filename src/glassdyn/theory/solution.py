"""MCT solved from a structure factor, as a result object: ``solve_mct(k, S, rho, x=None)``.

The kernel comes from the registry :data:`~glassdyn.theory.mct.MCT_KERNELS` (default
``one_component`` for S(k) (N_k,), ``mixture`` for partial S_ab(k) (N_k, s, s)).
"""
from __future__ import annotations

import numpy as np

from ..results import Result
from .mct import MCT_KERNELS, nonergodicity_parameter

__all__ = ["solve_mct", "MCTSolution"]


class MCTSolution(Result):
    """F(k, t), M(k, t) and the non-ergodicity parameter f(k) of one kernel; ``diagonal`` views
    (species-diagonal, (..., N_k, s)) and ``peaks`` (s,) (index of the main peak of each S_aa),
    where the summary and the plot read each species' correlator."""

    name = "mct_solution"
    panels = 2

    def __init__(self, k, S, t, F, M, f, parameters):
        self.k, self.S, self.t, self.F, self.M, self.f = k, S, t, F, M, f
        self.parameters = parameters
        mix = S.ndim == 3
        self.diag_S = np.diagonal(S, axis1=1, axis2=2) if mix else S[:, None]
        self.diag_F = np.diagonal(F, axis1=2, axis2=3) if mix else F[:, :, None]
        self.diag_M = np.diagonal(M, axis1=2, axis2=3) if mix else M[:, :, None]
        self.diag_f = np.diagonal(f, axis1=1, axis2=2) if mix else f[:, None]
        self.peaks = np.argmax(self.diag_S, axis=0)

    def arrays(self) -> dict:
        return dict(t=self.t, k=self.k, S=self.S, F=self.F, M=self.M, f=self.f)

    def summary(self) -> str:
        label = self.parameters["source"]
        return "\n".join(
            f"{label} species {a}: k_p = {self.k[p]:.3f}, "
            f"F(k_p, t_max)/S(k_p) = {self.diag_F[-1, p, a] / self.diag_S[p, a]:.5f}, "
            f"f(k_p) = {self.diag_f[p, a] / self.diag_S[p, a]:.5f}" for a, p in enumerate(self.peaks))

    def plot(self, ax=None):
        ax = self._axes(ax)
        for a, p in enumerate(self.peaks):
            ax[0].semilogx(self.t, self.diag_F[:, p, a] / self.diag_S[p, a],
                           label=f"species {a}, k_p = {self.k[p]:.2f}")
            ax[1].loglog(self.t, np.maximum(self.diag_M[:, p, a], 1e-300))
        ax[0].set(xlabel="t", ylabel="F_aa(k_p,t)/S_aa(k_p)", title=self.parameters["source"])
        ax[0].legend(fontsize=8)
        ax[1].set(xlabel="t", ylabel="M(k_p,t)")
        return ax


def solve_mct(k, S, rho: float, x=None, kernel: str | None = None, t_max: float = 1e10, source: str = "S(k)",
              h0: float = 1e-9, n: int = 128, tol: float = 1e-9, dimension: int = 3) -> MCTSolution:
    """Brownian MCT from S(k) or partial S_ab(k) on the midpoint grid ``k``: F(k, t) to ``t_max``,
    the memory kernel and the non-ergodicity parameter (0 in the liquid).  The default time grid
    (first step 1e-9, blocks of 128 points) holds tau(F = 1/e) within 7e-4 of the converged value for
    PY hard spheres at phi = 0.51 (benchmarks/mct_solver.py); raise ``n`` near a critical point.
    ``dimension``: the space dimension of the vertex (d >= 2)."""
    for name, value in (("density rho", rho), ("t_max", t_max), ("h0", h0), ("tol", tol)):
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value}")
    if int(n) != n or n < 16 or n % 2:
        raise ValueError(f"n (points per time block) must be an even integer >= 16, got {n}")
    S = np.asarray(S, dtype=float)
    kernel = kernel or ("mixture" if S.ndim == 3 else "one_component")
    extra = {} if dimension == 3 else {"dimension": dimension}  # kernels of 3D-only plug-ins need not take it
    kern = MCT_KERNELS.get(kernel).from_structure(np.asarray(k, dtype=float), S, rho, x=x, **extra)
    sol = kern.solve(t_max=t_max, h0=h0, n=n, tol=tol)
    f, _ = nonergodicity_parameter(kern, kern.S, kern.gamma)
    params = dict(source=source, rho=float(rho), x=None if x is None else [float(v) for v in x], kernel=kernel,
                  t_max=t_max, h0=h0, n=n, tol=tol, dimension=int(dimension))
    return MCTSolution(kern.k, S, sol.t, sol.F, sol.M, f, params)
