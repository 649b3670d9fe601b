"""Batched molecular dynamics in PyTorch: B independent copies (B, N, d) of small systems on one
device (CPU or GPU), integrated together (the MD of :mod:`.torch_engine`, ``engine = "torch"``).

Physics (identical to what the LAMMPS engine integrates, so both sample the same ensemble):

- forces from the potential's ``power_series()``: V_ab(r) = sum_k c_k,ab (r^2)^h_k for r < rc_ab,
  so F_i = sum_j 2 sum_k h_k c_k,ab (r^2)^(h_k - 1) (r_j - r_i), minimum image;
- a full Verlet list (every pair in both directions, so forces are gathered, never scattered) with
  a skin, built from a cell list and rebuilt for a copy as soon as one of its particles has moved
  more than skin / 2 since the last build (LAMMPS ``neigh_modify every 1 delay 0 check yes``);
- velocity Verlet, unit masses; NVT is the Nose-Hoover chain LAMMPS ``fix nvt`` integrates (chain
  of 3, one Trotter loop, Martyna-Tuckerman-Klein masses Q_0 = d(N-1) T tdamp^2, Q_k = T tdamp^2,
  half-step chain updates before and after the velocity-Verlet step);
- positions are kept unwrapped (continuous trajectories); the minimum image wraps distances.

Units: reduced LJ units, unit masses.  float64 reproduces the numpy reference to round-off;
float32 is the fast mode (see docs/validation.md for its NVE drift and <U>/N cost).
"""
from __future__ import annotations

import numpy as np

__all__ = ["TorchMD", "pair_forces", "torch_device", "TORCH_DTYPES"]

TORCH_DTYPES = ("float64", "float32")
_CHAIN = 3  # LAMMPS fix nvt default tchain


def _torch():
    import torch

    return torch


def torch_device(device: str):
    """A torch device, with a clear error when CUDA is asked for but absent."""
    torch = _torch()
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but torch sees no CUDA device "
                         f"(torch {torch.__version__}); use device='cpu'")
    if str(device) not in ("cpu",) and not str(device).startswith("cuda"):
        raise ValueError(f"unknown device {device!r}; use 'cpu' or 'cuda'")
    return torch.device(device)


def pair_forces(x, neighbors, pair_type, coef, rc2, box, powers: tuple, energies: bool = False):
    """Forces (B, N, d) and, with ``energies``, per-particle energies (B, N) (else None).

    x : (B, N, d) positions; neighbors : (B, N, M) indices into x.reshape(-1, d), padding = self;
    pair_type : (B, N, M) index into the per-pair-type tables coef (K, P) and rc2 (P,) (padding:
    a type with zero coefficients and zero cutoff); powers : the K exponents h_k of
    V = sum_k c_k (r^2)^h_k.  A pure function of tensors, so ``torch.compile`` can fuse it.
    """
    torch = _torch()
    flat = x.reshape(-1, x.shape[-1])
    dr = flat[neighbors] - x[:, :, None, :]
    dr = dr - box * torch.round(dr / box)
    r2 = (dr * dr).sum(-1)
    valid = r2 < rc2[pair_type]
    r2 = torch.where(valid, r2, torch.ones_like(r2))
    cache = {1: r2, -1: 1.0 / r2}

    def power(k):  # (r^2)^k by repeated squaring; None for k = 0
        if k == 0:
            return None
        if k not in cache:
            half = power(int(k / 2))
            cache[k] = half * half * cache[1 if k > 0 else -1] if k % 2 else half * half
        return cache[k]

    fscal = torch.zeros_like(r2)
    energy = torch.zeros_like(r2) if energies else None
    for k, h in enumerate(powers):
        c = coef[k][pair_type]
        if energies:
            p = power(h)
            energy = energy + (c if p is None else c * p)
        if h:
            q = power(h - 1)
            fscal = fscal + (2.0 * h) * (c if q is None else c * q)
    fscal = torch.where(valid, fscal, torch.zeros_like(fscal))
    forces = torch.einsum("bnm,bnmd->bnd", fscal, dr)
    if not energies:
        return forces, None
    return forces, 0.5 * torch.where(valid, energy, torch.zeros_like(energy)).sum(2)


class TorchMD:
    """B independent copies of an N-particle system, integrated together.

    Parameters
    ----------
    positions : (B, N, d) or (N, d) initial positions (reduced units; unwrapped or wrapped).
    types : (N,) or (B, N) species indices of the potential.
    box : (d,) periodic box lengths.
    potential : a :class:`~glassdyn.systems.PairPotential` with ``power_series()``.
    dt : time step.
    device : "cpu" or "cuda[:k]".
    dtype : "float64" (validation) or "float32" (speed).
    skin : Verlet-list skin (LAMMPS default of this package: 0.3).
    compile : fuse the force kernel with ``torch.compile`` (default: on CUDA only; on CPU it needs
        a C++ compiler and ~20 s, and gains ~1.5x).
    """

    def __init__(self, positions, types, box, potential, dt: float, *, device: str = "cpu",
                 dtype: str = "float64", skin: float = 0.3, compile: bool | None = None):
        torch = _torch()
        if dtype not in TORCH_DTYPES:
            raise ValueError(f"dtype must be one of {TORCH_DTYPES}, got {dtype!r}")
        series = potential.power_series()
        if series is None:
            raise ValueError(f"potential kind {potential.kind!r} has no power_series(); the torch "
                             "engine evaluates V_ab(r) = sum_k c_k (r^2)^h_k: use engine='lammps'")
        if dt <= 0 or skin <= 0:
            raise ValueError("dt and skin must be positive")
        self.device = torch_device(device)
        self.dtype = getattr(torch, dtype)
        self.potential = potential
        x = torch.as_tensor(np.asarray(positions, dtype=float), dtype=self.dtype, device=self.device)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[2] != potential.dimension:
            raise ValueError(f"positions must be (B, N, {potential.dimension}), got {tuple(x.shape)}")
        if not bool(torch.isfinite(x).all()):
            raise ValueError("positions contain NaN or infinite values")
        self.B, self.N, self.d = x.shape
        t = np.asarray(types)
        t = np.broadcast_to(t, (self.B, self.N)) if t.ndim == 1 else t
        if t.shape != (self.B, self.N) or t.min() < 0 or t.max() >= potential.n_species:
            raise ValueError(f"types must be (N,) or (B, N) species indices < {potential.n_species}")
        self.types = torch.as_tensor(np.array(t, dtype=np.int64), device=self.device)
        self.box = torch.as_tensor(np.asarray(box, dtype=float), dtype=self.dtype, device=self.device)
        if self.box.shape != (self.d,):
            raise ValueError(f"box must have {self.d} lengths")
        if float(self.box.min()) <= 2 * potential.max_cutoff:
            raise ValueError(f"box {np.asarray(box).tolist()} is not longer than twice the cutoff "
                             f"{potential.max_cutoff:g}: the minimum image would miss pairs")
        self.dt = float(dt)
        if compile is None:
            compile = self.device.type == "cuda"
        self._pair_forces = torch.compile(pair_forces, dynamic=True) if compile else pair_forces
        self.skin = float(skin)
        m = potential.n_species
        h, c = series
        self._h = [int(k) for k in h]
        null = m * m  # the pair type of padding entries: zero coefficients, zero cutoff
        coef = np.zeros((len(self._h), null + 1))
        coef[:, :null] = np.asarray(c, dtype=float).reshape(len(self._h), null)
        self._coef = torch.as_tensor(coef, dtype=self.dtype, device=self.device)
        rc2 = np.zeros(null + 1)
        rc2[:null] = (np.asarray(potential.cutoff, dtype=float) ** 2).ravel()
        self._rc2 = torch.as_tensor(rc2, dtype=self.dtype, device=self.device)
        self._null, self._m = null, m
        self.r_list = potential.max_cutoff + self.skin
        self.x = x.clone()
        self.v = torch.zeros_like(self.x)
        self._self_index = (torch.arange(self.B, device=self.device)[:, None] * self.N
                            + torch.arange(self.N, device=self.device)[None, :])
        self._x_build = self.x.clone()  # positions at each copy's last list build
        self.neighbors = None  # (B, N, M) global indices into x.reshape(B N, d)
        self.pair_type = None  # (B, N, M) a * M + b; padding: null
        self.builds = 0  # Verlet-list builds so far, counted per copy (a diagnostic)
        self._build()
        self.forces, self.energies = self._compute()
        self._thermostat = None

    # ------------------------------------------------------------------ neighbour list
    def _candidates(self, xw, idx, radius: float):
        """Candidate partners (b, N, C) (global indices) of every particle of the copies ``idx``:
        the particles of the 3^d surrounding cells of side >= radius, or all particles when the box
        holds fewer than 3 cells along an axis.  Empty slots hold the particle itself."""
        torch = _torch()
        b = xw.shape[0]
        ncell = torch.floor(self.box / radius).long()
        base = self._self_index[idx]  # (b, N) global self indices
        if bool((ncell < 3).any()):
            return base[:, None, :].expand(b, self.N, self.N)
        sizes = ncell.tolist()
        n_cells = int(np.prod(sizes))
        coords = torch.minimum(torch.floor(xw / (self.box / ncell)).long(), ncell - 1)
        stride = torch.tensor([int(np.prod(sizes[k + 1:])) for k in range(self.d)], device=self.device)
        key = (torch.arange(b, device=self.device)[:, None] * n_cells + (coords * stride).sum(-1)).reshape(-1)
        order = torch.argsort(key, stable=True)
        skey = key[order]
        counts = torch.bincount(key, minlength=b * n_cells)
        rank = torch.arange(key.numel(), device=self.device) - (torch.cumsum(counts, 0) - counts)[skey]
        table = torch.full((b * n_cells, int(counts.max())), -1, dtype=torch.long, device=self.device)
        table[skey, rank] = base.reshape(-1)[order]
        offsets = torch.stack(torch.meshgrid(*[torch.arange(-1, 2, device=self.device)] * self.d,
                                             indexing="ij"), -1).reshape(-1, self.d)
        around = ((coords[:, :, None, :] + offsets) % ncell * stride).sum(-1)  # (b, N, 3^d)
        cand = table[around + torch.arange(b, device=self.device)[:, None, None] * n_cells].reshape(b, self.N, -1)
        return torch.where(cand < 0, base[:, :, None], cand)

    def pairs_within(self, idx, radius: float):
        """Partners closer than ``radius`` (minimum image) of every particle of the copies ``idx``:
        (neighbours (b, N, M) global indices, kept (b, N, M) bool)."""
        torch = _torch()
        per_copy = self.N * (self.N if bool((torch.floor(self.box / radius) < 3).any()) else 3**self.d * 64)
        chunk = max(1, int(2**26 // per_copy))  # bounds the candidate tensors' memory
        parts = []
        for s in range(0, idx.numel(), chunk):
            sub = idx[s:s + chunk]
            x = self.x[sub]
            cand = self._candidates(x - self.box * torch.floor(x / self.box), sub, radius)
            dr = self.separations(cand, sub)
            selfi = self._self_index[sub][:, :, None]
            keep = ((dr * dr).sum(-1) < radius * radius) & (cand != selfi)
            width = max(int(keep.sum(-1).max()), 1)
            order = torch.argsort((~keep).to(torch.int8), dim=-1, stable=True)[..., :width]
            kept = torch.take_along_dim(keep, order, -1)
            parts.append((torch.where(kept, torch.take_along_dim(cand, order, -1), selfi), kept))
        width = max(p[0].shape[2] for p in parts)
        return (torch.cat([self._pad_to(n, width) for n, _ in parts]),
                torch.cat([self._pad_to(k, width, False) for _, k in parts]))

    def separations(self, neighbors, idx=None):
        """Minimum-image vectors r_j - r_i (b, N, M, d) to the partners ``neighbors`` (b, N, M)
        (global indices) of every particle of the copies ``idx`` (all when None)."""
        torch = _torch()
        x = self.x if idx is None else self.x[idx]
        dr = self.x.reshape(-1, self.d)[neighbors] - x[:, :, None, :]
        return dr - self.box * torch.round(dr / self.box)

    def _build(self, idx=None) -> None:
        """(Re)build the Verlet lists (cutoff + skin) of the copies ``idx`` (all when None)."""
        torch = _torch()
        idx = torch.arange(self.B, device=self.device) if idx is None else idx
        nb, kept = self.pairs_within(idx, self.r_list)
        pt = torch.where(kept, self.types[idx][:, :, None] * self._m + self.types.reshape(-1)[nb],
                         torch.full_like(nb, self._null))
        if self.neighbors is None or idx.numel() == self.B:
            self.neighbors, self.pair_type = nb, pt
        else:
            width = max(nb.shape[2], self.neighbors.shape[2])
            self.neighbors = self._pad_to(self.neighbors, width)
            self.pair_type = self._pad_to(self.pair_type, width, self._null)
            self.neighbors[idx] = self._pad_to(nb, width)
            self.pair_type[idx] = self._pad_to(pt, width, self._null)
            # rows are compacted (partners first): drop the columns no copy needs any more, so the
            # width follows the current lists instead of the largest one ever built
            need = max(int((self.pair_type != self._null).sum(-1).max()), 1)
            self.neighbors = self.neighbors[:, :, :need].contiguous()
            self.pair_type = self.pair_type[:, :, :need].contiguous()
        self._x_build[idx] = self.x[idx]
        self.builds += int(idx.numel())

    @staticmethod
    def _pad_to(t, width: int, value=0):
        """Pad (b, N, M) lists to ``width`` columns with ``value`` (padding entries of a neighbour
        list are inert through their null pair type, whatever index they hold)."""
        extra = width - t.shape[2]
        return t if extra <= 0 else _torch().cat([t, t.new_full((*t.shape[:2], extra), value)], 2)

    def _maybe_rebuild(self) -> None:
        torch = _torch()
        moved = ((self.x - self._x_build) ** 2).sum(-1).amax(-1)
        stale = moved > (0.5 * self.skin) ** 2
        if bool(stale.any()):
            self._build(torch.nonzero(stale).reshape(-1))

    # ------------------------------------------------------------------ forces
    def _compute(self, energies: bool = True):
        """Forces (B, N, d) and per-particle energies (B, N) or None of the current positions."""
        return self._pair_forces(self.x, self.neighbors, self.pair_type, self._coef, self._rc2,
                                 self.box, tuple(self._h), energies)

    def potential_energy(self):
        """Total potential energy per copy (B,) as numpy."""
        return self.energies.sum(1).cpu().numpy().astype(float)

    # ------------------------------------------------------------------ state
    def set_velocities(self, velocities) -> None:
        """Velocities (B, N, d) or (N, d) (numpy or torch)."""
        torch = _torch()
        v = np.asarray(velocities, dtype=float)
        if v.shape not in ((self.N, self.d), (self.B, self.N, self.d)):
            raise ValueError(f"velocities must have shape ({self.N}, {self.d}) or ({self.B}, {self.N}, "
                             f"{self.d}), got {v.shape}")
        v = torch.as_tensor(v, dtype=self.dtype, device=self.device)
        self.v = (v[None] if v.ndim == 2 else v).expand(self.B, self.N, self.d).clone()
        if not bool(torch.isfinite(self.v).all()):
            raise ValueError("velocities contain NaN or infinite values")

    def kinetic_temperature(self):
        """Kinetic temperature per copy (B,) torch: sum v^2 / (d (N - 1))."""
        return (self.v * self.v).sum((1, 2)) / (self.d * (self.N - 1))

    # ------------------------------------------------------------------ integrators
    def nve(self) -> "TorchMD":
        """Velocity-Verlet NVE."""
        self._thermostat = None
        return self

    def nvt(self, temperature: float, tdamp: float | None = None) -> "TorchMD":
        """Nose-Hoover chain NVT (LAMMPS fix nvt: chain 3, tdamp default 100 dt); a fresh chain."""
        torch = _torch()
        if not np.isfinite(temperature) or temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        tdamp = 100 * self.dt if tdamp is None else float(tdamp)
        dof = self.d * (self.N - 1)
        freq = 1.0 / tdamp
        mass = [dof * temperature / freq**2] + [temperature / freq**2] * (_CHAIN - 1)
        z = torch.zeros(self.B, _CHAIN + 1, dtype=self.dtype, device=self.device)
        self._thermostat = dict(T=float(temperature), dof=dof, mass=mass, eta_dot=z,
                                eta_dotdot=z[:, :_CHAIN].clone())
        self._thermostat["eta_dotdot"][:, 1:] = -temperature / mass[1]
        return self

    def _chain_half_step(self) -> None:
        """LAMMPS FixNH::nhc_temp_integrate for every copy at once (eta itself is not needed)."""
        torch = _torch()
        th = self._thermostat
        T, dof, Q = th["T"], th["dof"], th["mass"]
        ed, edd = th["eta_dot"], th["eta_dotdot"]
        dt4, dt8, dthalf = 0.25 * self.dt, 0.125 * self.dt, 0.5 * self.dt
        edd[:, 0] = (dof * self._t_current - dof * T) / Q[0]
        for k in range(_CHAIN - 1, 0, -1):
            f = torch.exp(-dt8 * ed[:, k + 1])
            ed[:, k] = (ed[:, k] * f + edd[:, k] * dt4) * f
        f = torch.exp(-dt8 * ed[:, 1])
        ed[:, 0] = (ed[:, 0] * f + edd[:, 0] * dt4) * f
        scale = torch.exp(-dthalf * ed[:, 0])
        self.v = self.v * scale[:, None, None]
        self._t_current = self._t_current * scale * scale
        edd[:, 0] = (dof * self._t_current - dof * T) / Q[0]
        ed[:, 0] = (ed[:, 0] * f + edd[:, 0] * dt4) * f
        for k in range(1, _CHAIN):
            f = torch.exp(-dt8 * ed[:, k + 1])
            edd[:, k] = (Q[k - 1] * ed[:, k - 1] ** 2 - T) / Q[k]
            ed[:, k] = (ed[:, k] * f + edd[:, k] * dt4) * f

    def run(self, steps: int, energies: bool = False) -> None:
        """Advance every copy ``steps`` steps (NVE, or NVT after :meth:`nvt`)."""
        steps = int(steps)
        if steps < 0:
            raise ValueError("steps must be >= 0")
        half = 0.5 * self.dt
        if self._thermostat is not None:  # as LAMMPS's run setup: T from the velocities
            self._t_current = self.kinetic_temperature()
        for s in range(steps):
            if self._thermostat is not None:
                self._chain_half_step()
            self.v = self.v + half * self.forces
            self.x = self.x + self.dt * self.v
            self._maybe_rebuild()
            self.forces, e = self._compute(energies=energies and s == steps - 1)
            if e is not None:
                self.energies = e
            self.v = self.v + half * self.forces
            if self._thermostat is not None:
                self._t_current = self.kinetic_temperature()
                self._chain_half_step()
        if steps and not energies:
            self.energies = None

    def per_particle_energy(self):
        """Per-particle potential energies (B, N) of the current positions, numpy."""
        if self.energies is None:
            self.forces, self.energies = self._compute()
        return self.energies.cpu().numpy().astype(float)

    def numpy(self, what: str = "x") -> np.ndarray:
        """``x`` (unwrapped positions), ``v`` or ``forces`` as a (B, N, d) float64 numpy array."""
        return getattr(self, what).cpu().numpy().astype(float)
