"""Analyses of isoconfigurational replica trajectories (yours or glassdyn's): the replica-averaged
dynamics of one configuration, and the dynamical heterogeneity of several.

``replica_dynamics(trajectories, potential)`` -> :class:`ReplicaDynamics` (C_B, |Delta r|, F_s, tau);
``heterogeneity(groups, potential)`` -> :class:`Heterogeneity` (chi4(t), S4(q) with the xi / A fit,
G4(r)).  Trajectories are :class:`~glassdyn.io.Trajectory` objects with unwrapped positions; replicas
of one configuration must share their particles, types and frame 0 (else an error names them).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputFileError
from ..results import Result
from .heterogeneity import chi4, fit_s4, four_point_structure_factor, g4
from .propensity import BondBreaking, displacement
from .relaxation import particle_relaxation_times, relaxation_time
from .scattering import self_intermediate_scattering

__all__ = ["check_replicas", "replica_dynamics", "ReplicaDynamics", "heterogeneity", "Heterogeneity"]


def check_replicas(trajectories, names=None) -> None:
    """Isoconfigurational replicas must start from one configuration: same particles, same types,
    same frame 0 (to the files' precision)."""
    names = list(names or [t.source or f"trajectory {i}" for i, t in enumerate(trajectories)])
    first = trajectories[0]
    for t, name in zip(trajectories[1:], names[1:]):
        if t.positions.shape[1:] != first.positions.shape[1:] or not np.array_equal(t.types, first.types):
            raise InputFileError(f"{name} and {names[0]} have different particles or types: "
                                 "not replicas of one configuration")
        if not np.allclose(t.positions[0], first.positions[0], rtol=0, atol=1e-5):
            worst = float(np.abs(t.positions[0] - first.positions[0]).max())
            raise InputFileError(f"{name} and {names[0]} do not share frame 0 (positions differ "
                                 f"by up to {worst:.3g}): not replicas of one configuration")


def _times(traj) -> tuple:
    """(times, unit): steps x dt when the trajectory knows dt, else the raw MD steps."""
    if traj.dt:
        return traj.times, "t"
    return traj.steps.astype(float), "t [MD steps]"


class ReplicaDynamics(Result):
    """Replica-averaged dynamics of one configuration: times (T,), bond_breaking / displacement
    (T, N), F_s (T, M) per species at wave number k, tau_bb_particle (N,) (NaN: never below 0.5)."""

    name = "dynamics"
    panels = 2

    def __init__(self, times, unit, types, bond_breaking, displacement, F_s, k, parameters, inputs=()):
        self.times, self.unit, self.types, self.k = times, unit, types, k
        self.bond_breaking, self.displacement, self.F_s = bond_breaking, displacement, F_s
        self.parameters, self.inputs = parameters, tuple(inputs)
        m = F_s.shape[1]
        self.mean_bond_breaking = np.array([bond_breaking[:, types == a].mean(axis=1) for a in range(m)]).T
        self.tau_bb = relaxation_time(times, self.mean_bond_breaking[:, 0], 0.5)
        self.tau_fs = relaxation_time(times, F_s[:, 0], np.exp(-1))
        self.tau_bb_particle = particle_relaxation_times(times, bond_breaking, 0.5)

    def arrays(self) -> dict:
        return dict(times=self.times, bond_breaking=self.bond_breaking, displacement=self.displacement,
                    F_s=self.F_s, tau_bb_particle=self.tau_bb_particle)

    def summary(self) -> str:
        steps = " MD steps" if self.unit != "t" else ""
        never = int(np.isnan(self.tau_bb_particle).sum())
        return (f"{self.parameters['replicas']} replicas, {self.times.size} frames: tau_BB(species 0) = "
                f"{self.tau_bb:.4g}, tau(F_s, k={self.k}) = {self.tau_fs:.4g}{steps}\n"
                f"per-particle tau_BB (C_B^i < 0.5): {never} of {self.tau_bb_particle.size} particles never "
                "cross within the run (NaN in tau_bb_particle)")

    def plot(self, ax=None):
        ax = self._axes(ax, 5.0)
        t = self.times[1:]
        for a in range(self.F_s.shape[1]):
            ax[0].semilogx(t, self.mean_bond_breaking[1:, a], label=f"C_B species {a}")
            ax[0].semilogx(t, self.F_s[1:, a], "--", label=f"F_s species {a}")
        ax[0].set(xlabel=self.unit, ylabel="correlation")
        ax[0].legend(fontsize=8)
        ax[1].loglog(t, (self.displacement[1:] ** 2).mean(axis=1))
        ax[1].set(xlabel=self.unit, ylabel="<propensity^2> (MSD-like)")
        return ax


def replica_dynamics(trajectories, potential, k: float = 7.25, names=None) -> ReplicaDynamics:
    """C_B (the potential's sigma_ab), |r_i(t) - r_i(0)| (no drift removal, as the reference program
    computes it) and F_s(k, t) averaged over isoconfigurational replicas sharing frame 0."""
    first = trajectories[0]
    if any(t.positions.shape != first.positions.shape for t in trajectories):
        raise InputFileError("replicas must have the same frames and particles")
    check_replicas(trajectories, names)
    if not first.unwrapped:
        raise InputFileError("dynamics needs unwrapped coordinates (xu yu [zu])")
    times, unit = _times(first)
    initial = first.frame(0)
    cb = np.mean([BondBreaking(potential.sigma).compute(initial, t.positions).values for t in trajectories], axis=0)
    disp = np.mean([displacement(t.positions[0], t.positions, remove_drift=False) for t in trajectories], axis=0)
    fs = np.mean([self_intermediate_scattering(t.positions, times, k, t.types)[1] for t in trajectories], axis=0)
    params = dict(k=k, potential=potential.to_dict(), time_unit=unit, replicas=len(trajectories))
    inputs = names or [t.source for t in trajectories if t.source]
    return ReplicaDynamics(times, unit, first.types, cb, disp, fs, k, params, inputs)


class Heterogeneity(Result):
    """chi4(t) of bond-breaking propensities over configurations, S4(q) and G4(r) at one time, and
    the fit S4 = chi4~ / (1 + (q xi)^2 + A (q xi)^3) (``fit``: an S4Fit or None)."""

    name = "heterogeneity"
    panels = 3

    def __init__(self, times, unit, propensity, chi4, time_index, q, S4, r, G4, fit, fit_error, parameters,
                 inputs=()):
        self.times, self.unit, self.propensity, self.chi4 = times, unit, propensity, chi4
        self.time_index, self.q, self.S4, self.r, self.G4 = time_index, q, S4, r, G4
        self.fit, self.fit_error = fit, fit_error
        self.parameters, self.inputs = parameters, tuple(inputs)

    def arrays(self) -> dict:
        return dict(times=self.times, chi4=self.chi4, q=self.q, S4=self.S4, r=self.r, G4=self.G4,
                    propensity=self.propensity, time=self.times[self.time_index],
                    fit=np.array([] if self.fit is None else [self.fit.chi4, self.fit.xi, self.fit.A]))

    def summary(self) -> str:
        f = self.fit
        if f is None:
            fit_text = f"S4 fit failed: {self.fit_error}"
        elif not f.determined:
            fit_text = (f"S4 fit undetermined: the uncertainties of chi4~ and xi exceed their values (with "
                        f"{self.propensity.shape[0]} configurations S4 at small q is noise: use more "
                        "configurations or a larger system)")
        else:
            fit_text = (f"chi4~ = {f.chi4:.3g} ± {f.chi4_err:.2g}, xi = {f.xi:.3g} ± {f.xi_err:.2g}, "
                        f"A = {f.A:.3g} ± {f.A_err:.2g}")
        steps = " MD steps" if self.unit != "t" else ""
        return (f"{self.propensity.shape[0]} configurations x {self.parameters['replicas']} replicas; chi4 max "
                f"{self.chi4.max():.4g} at t = {self.times[np.argmax(self.chi4)]:.4g}{steps}; S4 at t = "
                f"{self.times[self.time_index]:.4g}{steps}: {fit_text}")

    def plot(self, ax=None):
        ax = self._axes(ax)
        ax[0].semilogx(self.times[1:], self.chi4[1:])
        ax[0].set(xlabel=self.unit, ylabel="chi4(t)")
        ax[1].loglog(self.q, self.S4, "o", label="S4")
        if self.fit is not None:
            qq = np.linspace(self.q.min(), self.q.max(), 200)
            ax[1].loglog(qq, self.fit(qq), label="fit")
        ax[1].set(xlabel="q", ylabel=f"S4(q, t={self.times[self.time_index]:.3g})")
        ax[1].legend()
        ax[2].plot(self.r, self.G4)
        ax[2].set(xlabel="r", ylabel="G4(r)")
        return ax


def heterogeneity(groups, potential, species: int = 0, time: float | None = None, q_max: float = 3.0,
                  names=None) -> Heterogeneity:
    """Dynamical heterogeneity of >= 2 configurations: ``groups`` is a list of replica lists (one per
    configuration).  S4 and G4 at ``time`` (default: the chi4 maximum); particles of ``species``."""
    if len(groups) < 2:
        raise ValueError("need >= 2 configurations, each with its replicas")
    names = names or [[t.source or f"configuration {c} replica {r}" for r, t in enumerate(g)]
                      for c, g in enumerate(groups)]
    props, starts, masks = [], [], []
    for group, group_names in zip(groups, names):
        check_replicas(group, group_names)
        initial = group[0].frame(0)
        props.append(np.mean([BondBreaking(potential.sigma).compute(initial, t.positions).values
                              for t in group], axis=0))
        starts.append(initial.positions)
        masks.append(initial.types == species)  # each configuration's own particle order
    first = groups[0][0]
    if any(t.positions.shape[:2] != first.positions.shape[:2] for g in groups for t in g):
        raise InputFileError("every configuration needs the same frames and particle number")
    props = np.array(props)  # (S, T, N)
    times, unit = _times(first)
    mask = np.array(masks)
    x4 = chi4(props, mask)
    it = int(np.argmax(x4)) if time is None else int(np.argmin(np.abs(times - time)))
    q, s4, _ = four_point_structure_factor(np.array(starts), props[:, it], first.box, mask=mask, q_max=q_max)
    r, G = g4(np.array(starts), props[:, it], first.box, mask=mask, dr=0.25)
    try:
        fit, error = fit_s4(q, s4), None
    except (RuntimeError, ValueError) as exc:
        fit, error = None, str(exc)
    params = dict(potential=potential.to_dict(), species=species, time=float(times[it]), time_unit=unit,
                  q_max=q_max, replicas=len(groups[0]),
                  fit=None if fit is None else {k: float(v) for k, v in fit.__dict__.items()})
    inputs = [t.source for g in groups for t in g if t.source] or [n for g in names for n in g]
    return Heterogeneity(times, unit, props, x4, it, q, s4, r, G, fit, error, params, inputs)
