"""State-point library of Ciarella 2023: S^ab(k) and F_s^aa(k_p, t) of 3D KA LJ / WCA over (T, rho).

One unit = one state point (interaction, rho, T), run by :func:`run_state` in a fresh LAMMPS:

1. lattice start (L = 10, N = rho L^3, 80:20), CG removal of overlaps, melt at max(2 T, 2 T_mct);
2. NVT (Nose-Hoover) at T in windows; equilibrated when the A-particle mean squared displacement
   since the start of equilibration reaches ``msd_target`` (1.5 sigma^2: about ten alpha-relaxation
   times) -- or flagged ``equilibrated = False`` (a glass, as in the paper) when the
   step budget runs out first;
3. NVE production (the paper's ensemble): four time origins spaced by t_eq / 16 and 40 log-spaced
   lags from 5 dt to t_eq / 2 (F_s(k_p) < 0.05 there when equilibrated); F_s^aa(k_p, t) averaged over origins, normalised as paper Eq. 1
   (F_s^aa(k_p, 0) = S^aa(k_p)); S^ab(k) averaged over 8 frames on the 100-point grid in [0, 40];
   k_p = position of the main peak of S^AA;
4. crystallisation check: the largest single-wave-vector intensity |rho_k|^2 / N (k in [4, 12],
   averaged over frames) -- a liquid's is ~ 10, a crystal's Bragg peaks are > 100; states above
   ``bragg_threshold`` are flagged ``crystal = True`` and excluded by :func:`read_library`.

The time step scales with the thermal velocity, dt = 0.005 sqrt(0.9 / max(T, 0.9)); the NVE energy
drift of every production run is recorded.  :class:`StateLibrary` runs a list of states as a
resumable campaign (atomic unit files, local processes or Dask) and assembles one HDF5 library.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..dynamics.relaxation import relaxation_time
from ..dynamics.scattering import self_intermediate_scattering
from ..engines.base import open_simulation
from ..structure.structure_factor import StructureFactor
from ..systems.configuration import Configuration
from ..systems.presets import get_system
from ..io.atomic import atomic_path
from ..io.library import read_library
from ..io.provenance import provenance_json
from .units import UnitFolder

__all__ = ["CIARELLA2023_TMCT", "StatePoint", "run_state", "StateLibrary", "read_library", "library_states",
           "default_library",
           "INTERACTIONS", "max_bragg_intensity"]

#: Ciarella 2023 Table I: k_B T_mct / eps_AA of fit-parameter-free MCT, per (interaction, rho)
CIARELLA2023_TMCT = {("wca", 1.2): 0.74, ("wca", 1.4): 1.77, ("wca", 1.6): 3.49, ("wca", 1.8): 5.10,
              ("lj", 1.2): 0.90, ("lj", 1.4): 1.87, ("lj", 1.6): 3.53, ("lj", 1.8): 5.10}
#: interaction label fed to the FsMLP
INTERACTIONS = {"lj": 0, "wca": 1}
PAIRS = ((0, 0), (0, 1), (1, 1))  # AA, AB, BB columns of the stored S(k)


@dataclass
class StatePoint:
    """One state of the library and the budget of its run."""

    interaction: str
    rho: float
    temperature: float
    seed: int = 0
    max_steps: int = 200_000      # equilibration budget (steps)
    window_steps: int = 2_000
    msd_target: float = 1.5
    n_times: int = 40
    bragg_threshold: float = 60.0

    def __post_init__(self):
        if self.interaction not in INTERACTIONS:
            raise ValueError(f"unknown interaction {self.interaction!r}; known: {sorted(INTERACTIONS)}")
        if not np.isfinite(self.temperature) or self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.max_steps < self.window_steps:
            raise ValueError("max_steps must be >= window_steps")

    @property
    def dt(self) -> float:
        return 0.005 * float(np.sqrt(0.9 / max(self.temperature, 0.9)))

    @property
    def key(self) -> str:
        return f"{self.interaction}_rho{self.rho:g}_T{self.temperature:.5g}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def max_bragg_intensity(frames, box, k_min: float = 4.0, k_max: float = 12.0) -> float:
    """Largest frame-averaged |rho_k|^2 / N over wave vectors with k_min <= |k| <= k_max.

    frames : (F, N, 3) positions; box : (3,) cubic or orthorhombic.
    """
    x = np.asarray(frames, dtype=float)
    box = np.asarray(box, dtype=float)
    nmax = np.floor(k_max * box / (2 * np.pi)).astype(int)
    grid = np.stack(np.meshgrid(*[np.arange(-m, m + 1) for m in nmax], indexing="ij"), -1).reshape(-1, 3)
    kv = grid * (2 * np.pi / box)
    kn = np.linalg.norm(kv, axis=1)
    kv = kv[(kn >= k_min) & (kn <= k_max) & (grid[:, 0] >= 0)]  # k and -k give the same |rho_k|
    inten = np.zeros(len(kv))
    for f in x:
        for s in range(0, len(kv), 2048):
            ph = f @ kv[s:s + 2048].T
            inten[s:s + 2048] += np.cos(ph).sum(0) ** 2 + np.sin(ph).sum(0) ** 2
    return float(inten.max() / (len(x) * x.shape[1]))


def run_state(state_json: str, keep_frames: bool = False) -> dict:
    """Simulate one state point; returns a dict of arrays (picklable; runs in worker processes).
    ``keep_frames`` adds the production trajectory: ``frames`` (F, N, 3) unwrapped, ``frame_times``,
    ``origins`` (frame indices), ``types`` and ``box`` (for F(k, t) on a whole grid)."""
    st = StatePoint(**json.loads(state_json))
    t_start = time.perf_counter()
    system = get_system(f"ka3d_{st.interaction}", rho=st.rho)
    pot, dt = system.potential, st.dt
    rng = np.random.default_rng(st.seed)
    t_mct = CIARELLA2023_TMCT.get((st.interaction, round(st.rho, 3)), st.temperature)
    types = None
    with open_simulation(system.lattice_configuration(st.seed), pot, dt) as sim:
        types = sim.types
        is_a = types == 0
        sim.minimize(ftol=1e-3, method="cg")
        t_hot = max(2 * st.temperature, 2 * t_mct)
        sim.draw_velocities(t_hot, rng)
        sim.nvt(t_hot)
        sim.run(2000)
        sim.nvt(st.temperature)
        x0 = sim.unwrapped_positions
        steps, msd = 0, 0.0
        while steps < st.max_steps:
            sim.run(st.window_steps)
            steps += st.window_steps
            d = sim.unwrapped_positions - x0
            d -= d.mean(axis=0)
            msd = float(np.mean(np.sum(d[is_a] ** 2, axis=1)))
            if msd >= st.msd_target and steps >= 2 * st.window_steps:
                break
        equilibrated = msd >= st.msd_target
        t_eq = steps * dt
        # production (NVE): 4 origins spaced by t_eq/16, log lags up to t_eq/2
        lag_steps = np.unique(np.round(np.geomspace(5, steps // 2, st.n_times)).astype(np.int64))
        gap = steps // 16
        origins = np.arange(4) * gap
        marks = np.unique(np.concatenate([[0], (origins[:, None] + lag_steps[None, :]).ravel(),
                                          origins]))
        sim.nve()
        e0 = sim.potential_energy() + 0.5 * np.sum(sim.velocities ** 2)
        frames = np.array([x for _, x in sim.trajectory(marks)])
        e1 = sim.potential_energy() + 0.5 * np.sum(sim.velocities ** 2)
    times = marks * dt
    origin_idx = [int(np.searchsorted(marks, o)) for o in origins]
    # S(k) from 8 frames spread over the production run
    pick = np.linspace(0, len(frames) - 1, 8).round().astype(int)
    confs = [Configuration(frames[i], types, system.box, wrap=True) for i in pick]
    sk = StructureFactor(k_max=40.0, n_bins=100, n_species=2).compute(confs)
    S = np.stack([sk.S_partial[:, a, b] for a, b in PAIRS], axis=-1)  # (100, 3)
    k_p = sk.k_peak(0)
    lags, phi = self_intermediate_scattering(frames, times, k_p, types=types, origins=origin_idx,
                                             tolerance=1e-6 * dt)
    keep = np.isin(np.round(lags / dt).astype(np.int64), lag_steps)
    lags, phi = lags[keep], phi[keep]
    ip = int(np.argmin(np.abs(sk.k - k_p)))
    s_aa = np.array([sk.S_partial[ip, 0, 0], sk.S_partial[ip, 1, 1]])
    Fs = phi * s_aa[None, :]
    tau = relaxation_time(lags, phi[:, 0], np.exp(-1))
    bragg = max_bragg_intensity(frames[pick], system.box)
    extra = dict(frames=frames, frame_times=times, origins=np.array(origin_idx), types=types,
                 box=np.asarray(system.box)) if keep_frames else {}
    return dict(**extra, k=sk.k, S=S, k_p=np.float64(k_p), times=lags, Fs=Fs, phi_s=phi,
                tau_alpha=np.float64(tau), equilibrated=np.bool_(equilibrated),
                msd_equilibration=np.float64(msd), t_equilibration=np.float64(t_eq),
                crystal=np.bool_(bragg > st.bragg_threshold), bragg=np.float64(bragg),
                energy_drift=np.float64((e1 - e0) / system.n_particles), dt=np.float64(dt),
                n_particles=np.int64(system.n_particles),
                wall_seconds=np.float64(time.perf_counter() - t_start), state=state_json)


_UNIT_KEYS = {"k", "S", "k_p", "times", "Fs", "tau_alpha", "equilibrated", "crystal", "state"}


class StateLibrary:
    """A resumable campaign over state points, assembled into one HDF5 library.

    ``StateLibrary(states, "library.h5").run(workers=2)``; unit files in ``library.h5.units/``
    (one per state, written atomically); rerunning skips finished states.
    """

    def __init__(self, states, store, attrs=None):
        self.states = list(states)
        if not self.states:
            raise ValueError("a library needs at least one state point")
        keys = [s.key for s in self.states]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate state points in the library")
        self.store = Path(store)
        self.units_dir = Path(str(self.store) + ".units")
        self.units = UnitFolder(self.units_dir, required=_UNIT_KEYS, spec_key="state", what="state")
        self.attrs = dict(attrs or {})

    def unit_path(self, state: StatePoint) -> Path:
        return self.units.path(state.key)

    def pending(self):
        return [s for s in self.states if not self.units.done(s.key, s.to_json())]

    def run(self, workers: int = 1, scheduler=None, progress: bool = True, max_units=None,
            worker_timeout: float | None = 120.0):
        todo = self.pending()
        if max_units is not None:
            todo = todo[:max_units]
        # density by density (a partial library is already useful), coldest (slowest) first
        todo.sort(key=lambda s: (s.rho, s.temperature / CIARELLA2023_TMCT.get((s.interaction, round(s.rho, 3)), 1.0)))
        self.units.run(run_state, [(s.key, (s.to_json(),)) for s in todo], workers=workers, scheduler=scheduler,
                       progress=progress, desc="state points", worker_timeout=worker_timeout)
        if not self.pending():
            self.assemble()
        return self

    def assemble(self, partial: bool = False) -> Path:
        """Stack every state's unit into the HDF5 library (atomic); ``partial`` uses only the
        finished states (recorded in the attrs as ``complete = False``)."""
        import h5py

        loaded = [(s, self.units.load(s.key, s.to_json())) for s in self.states]
        if not partial and any(u is None for _, u in loaded):
            raise ValueError(f"{sum(u is None for _, u in loaded)} state points are not finished; "
                             "assemble(partial=True) uses the finished ones")
        states = [s for s, u in loaded if u is not None]
        units = [u for _, u in loaded if u is not None]
        if not states:
            raise ValueError("no finished state points to assemble")
        n_t = max(len(u["times"]) for u in units)
        n = len(units)
        times = np.full((n, n_t), np.nan)
        Fs = np.full((n, n_t, 2), np.nan)
        for i, u in enumerate(units):
            times[i, :len(u["times"])] = u["times"]
            Fs[i, :len(u["times"])] = u["Fs"]
        with atomic_path(self.store) as tmp:
            with h5py.File(tmp, "w") as h:
                h.attrs.update(dict(kind="glassdyn-state-library", version=__version__,
                                    created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                    states=json.dumps([json.loads(s.to_json()) for s in states]),
                                    complete=len(states) == len(self.states),
                                    provenance=provenance_json(parameters=dict(
                                        states=[json.loads(s.to_json()) for s in states])),
                                    **self.attrs))
                h["k"] = units[0]["k"]
                h["S"] = np.array([u["S"] for u in units])
                h["times"] = times
                h["Fs"] = Fs
                for key in ("k_p", "tau_alpha", "equilibrated", "crystal", "bragg", "energy_drift",
                            "dt", "t_equilibration", "msd_equilibration", "wall_seconds", "n_particles"):
                    h[key] = np.array([u[key] for u in units])
                h["temperature"] = np.array([s.temperature for s in states])
                h["rho"] = np.array([s.rho for s in states])
                h["interaction"] = np.array([INTERACTIONS[s.interaction] for s in states])
                h["t_mct_paper"] = np.array([CIARELLA2023_TMCT.get((s.interaction, round(s.rho, 3)), np.nan)
                                            for s in states])
        return self.store




def default_library() -> Path:
    """Path of the state library shipped with glassdyn (produced by ``glassdyn simulate --preset
    collective``, see ``glassdyn/data/README.md``)."""
    from importlib import resources

    path = Path(str(resources.files("glassdyn") / "data" / "collective_library.h5"))
    if not path.exists():
        raise ValueError(f"the shipped state library {path} is missing from this installation")
    return path


def library_states(preset: dict) -> list:
    """The state points of a ``[library]`` preset (see configs/collective.toml), validated."""
    lib = preset.get("library")
    if not isinstance(lib, dict):
        raise ValueError("a state-library preset needs a [library] section")
    from difflib import get_close_matches

    known = {"library": {"interactions", "densities", "t_over_tmct", "seed", "extra"},
             "run": {"max_steps", "window_steps", "msd_target", "n_times", "bragg_threshold"}}
    for section in preset:
        if section not in known:
            raise ValueError(f"unknown section [{section}] in a library preset; known: {sorted(known)}")
        for key in preset[section]:
            if key not in known[section]:
                close = get_close_matches(key, sorted(known[section]), n=1)
                raise ValueError(f"unknown key {key!r} in [{section}]"
                                 + (f"; did you mean {close[0]!r}?" if close else f"; known: {sorted(known[section])}"))
    run = dict(preset.get("run", {}))
    try:
        interactions, densities = list(lib["interactions"]), [float(r) for r in lib["densities"]]
        ratios = [float(x) for x in lib["t_over_tmct"]]
    except KeyError as exc:
        raise ValueError(f"[library] is missing {exc}") from None
    extra = {float(k): [float(x) for x in v] for k, v in lib.get("extra", {}).items()}
    states = []
    for inter in interactions:
        for rho in densities:
            t_mct = CIARELLA2023_TMCT.get((inter, round(rho, 3)))
            if t_mct is None:
                raise ValueError(f"no T_mct (paper Table I) for {inter} at rho={rho}; "
                                 f"known: {sorted(CIARELLA2023_TMCT)}")
            for x in ratios + extra.get(rho, []):
                if x <= 0:
                    raise ValueError(f"T / T_mct must be positive, got {x}")
                states.append(StatePoint(inter, rho, round(x * t_mct, 6), seed=int(lib.get("seed", 0)),
                                         **run))
    return states
