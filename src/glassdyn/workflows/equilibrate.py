"""Equilibration with a stationarity test measured on the data, then sampling spaced by tau.

1. Lattice start, CG quench of the overlaps, melt at 2 T for a short while.
2. MD (+ swap Monte Carlo, paper protocol) at T in windows of ``window_steps``; in each window the
   mean potential energy and the self-intermediate scattering function of the (swap) dynamics at
   k (default 2 pi * 32 / L_x ~ 6.1 for KA2D, the paper's q = 64 pi / L) are measured.
3. Stationary when the mean energies of the last ``n_stationary`` windows (never the first,
   burn-in window) show no drift: the fitted slope over them is within 2 standard errors of zero,
   and tau (F_s = 1/e) of the last two windows agrees within 30 %.
4. Configurations are then sampled every ``spacing`` x tau (seed: 5 tau_SWAP).

Each piece (melt, window, sample) is its own atomic checkpoint when a folder is given: a resumed
run loses at most one window and ends bitwise identical to an uninterrupted one.
"""
from __future__ import annotations

import json

import numpy as np

from ..dynamics.relaxation import relaxation_time
from ..dynamics.scattering import self_intermediate_scattering
from ..engines.base import open_simulation
from ..engines.swap import SwapMC, run_swap_md
from ..systems.configuration import Configuration
from ..systems.presets import SystemPreset
from .units import UnitFolder

__all__ = ["equilibrate", "swap_attempts"]


def swap_attempts(system: SystemPreset) -> int:
    """Swap attempts per swap phase: the seed's 2100 for N = 1290 KA2D, times the tiling factor, so
    that a larger system keeps the seed's attempts per particle (2100 / 1290 = 1.63 per phase)."""
    return 2100 * system.tile ** system.dimension


def _window(sim, swap, steps, rng, k, attempts, chunk=10):
    """Run one window; returns (mean energy per particle, tau from F_s of this window)."""
    n_snap = 12
    marks = np.unique(np.round(np.geomspace(chunk, steps, n_snap) / chunk).astype(int)) * chunk
    frames, times, energies = [sim.unwrapped_positions], [0.0], []
    done = 0
    for m in marks:
        if swap is not None:
            run_swap_md(sim, swap, (m - done) // chunk, md_steps=chunk, attempts=attempts, rng=rng)
        else:
            sim.run(m - done)
        done = m
        frames.append(sim.unwrapped_positions)
        times.append(m * sim.dt)
        energies.append(sim.potential_energy() / sim.n_particles)
    lags, fs = self_intermediate_scattering(np.array(frames), np.array(times), k)
    return float(np.mean(energies)), relaxation_time(lags, fs[:, 0], np.exp(-1))


class _Pieces:
    """Finished pieces of one equilibration run: a :class:`UnitFolder` (``folder``, manifest
    ``params.json``) or, without a folder, a dict in memory."""

    def __init__(self, folder, params: dict):
        text = json.dumps(params, sort_keys=True)
        self.units = None if folder is None else UnitFolder(folder, text, manifest_name="params.json").open()
        self.memory = {}

    def get(self, name: str):
        return self.memory.get(name) if self.units is None else self.units.load(name)

    def put(self, name: str, **arrays) -> dict:
        if self.units is None:
            self.memory[name] = arrays
            return arrays
        return self.units.save(name, arrays)


def _state(sim, rng, **extra) -> dict:
    """The complete state between two pieces: wrapped positions, velocities, species, RNG."""
    return dict(positions=sim.positions, velocities=sim.velocities, types=sim.types,
                rng=json.dumps(rng.bit_generator.state), **extra)


def _restore(state: dict, system: SystemPreset, temperature: float):
    """A fresh simulation (Nose-Hoover NVT at ``temperature``) and RNG from a saved state."""
    rng = np.random.default_rng()
    rng.bit_generator.state = json.loads(str(state["rng"]))
    conf = Configuration(state["positions"], state["types"], system.box, state["velocities"])
    sim = open_simulation(conf, system.potential, system.dt)
    sim.nvt(temperature)
    return sim, rng


def equilibrate(system: SystemPreset, temperature: float, n_configurations: int, seed: int = 0,
                swap: bool | None = None, window_steps: int = 2000, max_windows: int = 50,
                n_stationary: int = 5, spacing: float = 5.0, k: float | None = None, progress=None,
                checkpoint=None):
    """Equilibrate ``system`` at ``temperature`` and return (configurations, info).

    ``swap`` defaults to the system's protocol (``system.swap``: True for KA2D, as in the paper).  ``info`` records
    the windows, energies, tau per window, tau used and spacing in steps.

    Every piece (the melt, each window, each sampled configuration) starts a fresh LAMMPS instance
    from the state the previous piece ended in (positions, velocities, species, RNG state; the
    Nose-Hoover chain restarts at rest), so with ``checkpoint`` (a folder) a killed run resumes
    from its last finished piece and ends bitwise identical to an uninterrupted one.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    if n_configurations < 1:
        raise ValueError("n_configurations must be >= 1")
    swap = system.swap if swap is None else bool(swap)
    k = 2 * np.pi * 32 / system.box[0] if k is None else float(k)
    params = dict(system=system.to_dict(), temperature=float(temperature), seed=int(seed), swap=swap,
                  window_steps=int(window_steps), n_stationary=int(n_stationary), spacing=float(spacing),
                  k=k)
    pieces = _Pieces(checkpoint, params)
    mc = SwapMC(system.potential, temperature) if swap else None

    state = pieces.get("melt")
    if state is None:
        rng = np.random.default_rng(seed)
        with open_simulation(system.lattice_configuration(seed), system.potential, system.dt) as sim:
            sim.minimize(ftol=1e-3, method="cg")
            sim.draw_velocities(2 * temperature, rng)
            sim.nvt(2 * temperature)
            sim.run(1000)
            state = pieces.put("melt", **_state(sim, rng))

    energies, taus = [], []
    stationary = False
    for w in range(max_windows):
        piece = pieces.get(f"window_{w:04d}")
        if piece is None:
            sim, rng = _restore(state, system, temperature)
            with sim:
                e, tau = _window(sim, mc, window_steps, rng, k, swap_attempts(system))
                piece = pieces.put(f"window_{w:04d}", **_state(sim, rng, energy=e, tau=tau))
            if progress:
                progress(w, e, tau)
        state = piece
        energies.append(float(piece["energy"]))
        taus.append(float(piece["tau"]))
        # the first window (right after the melt) is burn-in and never part of the test
        if len(energies) > n_stationary and np.isfinite(taus[-1]) and np.isfinite(taus[-2]):
            x = np.arange(n_stationary)
            y = np.array(energies[-n_stationary:])
            slope, intercept = np.polyfit(x, y, 1)
            resid = y - (slope * x + intercept)
            se = np.sqrt(np.sum(resid**2) / max(n_stationary - 2, 1) / np.sum((x - x.mean()) ** 2))
            tau_ok = abs(taus[-1] - taus[-2]) <= 0.3 * max(taus[-1], taus[-2])
            if abs(slope) <= 2 * se + 1e-12 and tau_ok:
                stationary = True
                break
    if not stationary:
        raise RuntimeError(f"not stationary after {max_windows} windows of {window_steps} steps "
                           f"(energies {np.round(energies[-n_stationary:], 5).tolist()}, taus "
                           f"{taus[-2:]}): raise max_windows (the finished windows are kept) or window_steps")
    tau = float(np.mean(taus[-2:]))
    gap = max(int(np.ceil(spacing * tau / system.dt)), 10)
    gap = int(np.ceil(gap / 10) * 10)
    configurations = []
    for s in range(n_configurations):
        # sampling continues from the last window; its pieces are named after it, so a run that
        # needed more windows (max_windows raised) never reuses samples of an earlier end
        name = f"sample_w{len(energies) - 1:04d}_{s:04d}"
        piece = pieces.get(name)
        if piece is None:
            sim, rng = _restore(state, system, temperature)
            with sim:
                if mc is not None:
                    run_swap_md(sim, mc, gap // 10, md_steps=10, attempts=swap_attempts(system), rng=rng)
                else:
                    sim.run(gap)
                piece = pieces.put(name, **_state(sim, rng))
        state = piece
        # swaps move species between particle indices: reorder by species so that every
        # sampled configuration shares one species array
        configurations.append(Configuration(piece["positions"], piece["types"], system.box).sorted_by_species())
    info = dict(windows=len(energies), window_steps=window_steps, energies=energies, taus=taus,
                tau=tau, spacing_steps=gap, swap=bool(swap), k=k, seed=seed)
    return configurations, info
