"""Schematic MCT models and the beta-relaxation exponents.

F12 model (Goetze): F(0) = 1, gamma = 1, M = v1 F + v2 F^2.  Its critical line is
v1 = (2 lam - 1) / lam^2, v2 = 1 / lam^2 for exponent parameter lam in [1/2, 1); the F2 model
(v1 = 0) has v2_c = 4 (lam = 1/2).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import gammaln

__all__ = ["SchematicF12", "DoubleStretchedMemory", "f12_critical_line", "exponents_from_lambda"]


class SchematicF12:
    """The F12 kernel M = v1 F + v2 F^2 (scalar), with F0 = S = 1 and gamma = 1."""

    S = 1.0
    gamma = 1.0
    alpha = 0.0
    beta = 1.0

    def __init__(self, v1: float, v2: float):
        if v1 < 0 or v2 < 0:
            raise ValueError("couplings must be non-negative")
        self.v1, self.v2 = float(v1), float(v2)

    def __call__(self, F, t=None):
        return self.v1 * F + self.v2 * F * F

    def solve(self, t_max: float = 1e10, **kw):
        from .memory_equation import solve_memory_equation

        return solve_memory_equation(1.0, 1.0, self, t_max=t_max, **kw)


def f12_critical_line(lam):
    """(v1_c, v2_c) of the F12 model for exponent parameter lam in [1/2, 1)."""
    lam = np.asarray(lam, dtype=float)
    return (2 * lam - 1) / lam**2, 1 / lam**2


def exponents_from_lambda(lam: float):
    """Critical exponent a and von Schweidler exponent b from the exponent parameter lam:
    Gamma(1-a)^2 / Gamma(1-2a) = lam = Gamma(1+b)^2 / Gamma(1+2b)."""
    if not 0.5 <= lam < 1:
        raise ValueError("the exponent parameter must lie in [1/2, 1)")
    fa = lambda a: np.exp(2 * gammaln(1 - a) - gammaln(1 - 2 * a)) - lam  # noqa: E731
    fb = lambda b: np.exp(2 * gammaln(1 + b) - gammaln(1 + 2 * b)) - lam  # noqa: E731
    return brentq(fa, 1e-9, 0.5 - 1e-12), brentq(fb, 1e-9, 1.0)


class DoubleStretchedMemory:
    """Seed 003 Eq. 8: M(t) = exp(-Omega^2 t^nu) + K exp(-Omega~^2 t^mu), a memory known in time.

    ``solve(F0, omega2_eq)`` integrates F' + Omega_eq^2 F + int M F' = 0 with this memory.
    """

    def __init__(self, omega2: float, nu: float, K: float, omega2_tilde: float, mu: float):
        if min(omega2, nu, omega2_tilde, mu) <= 0 or K < 0:
            raise ValueError("Omega^2, Omega~^2, nu, mu must be positive and K >= 0")
        self.omega2, self.nu, self.K, self.omega2_tilde, self.mu = omega2, nu, K, omega2_tilde, mu

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        return np.exp(-self.omega2 * t**self.nu) + self.K * np.exp(-self.omega2_tilde * t**self.mu)

    def solve(self, F0: float = 1.0, omega2_eq: float | None = None, t_max: float = 1e8,
              h0: float = 1e-6, n: int = 128):
        from .memory_equation import solve_given_memory

        omega2_eq = self.omega2 if omega2_eq is None else omega2_eq
        return solve_given_memory(F0, omega2_eq, self, t_max=t_max, h0=h0, n=n)
