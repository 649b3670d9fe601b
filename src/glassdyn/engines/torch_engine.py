"""The ``torch`` engine: isoconfigurational replicas as one batch of copies on a CPU or a GPU
(:class:`~glassdyn.engines.torch_md.TorchMD`), with the labels computed on the device at the label
steps, so that only the replica sums leave it.

The device labels reproduce :data:`~glassdyn.dynamics.LABELS` (bond breaking against the frozen
initial neighbours, drift-removed displacements; tests compare them with the LAMMPS engine's); a
label registered at run time without a device version is evaluated on the host from positions
copied back at the label steps.
"""
from __future__ import annotations

import os

import numpy as np

from .base import ENGINES, Engine, label_sums, maxwell_velocities
from .torch_md import TORCH_DTYPES, TorchMD, _torch, torch_device

__all__ = ["TorchEngine", "DEVICE_LABELS"]


class _DeviceBondBreaking:
    """C_B^i(t) of every copy on the device: the initial neighbours (r < r_in sigma_ab at t = 0)
    found once, survival within r_out sigma_ab (as :class:`~glassdyn.dynamics.BondBreakingLabel`)."""

    def __init__(self, md: TorchMD, r_in: float = 1.4, r_out: float = 1.8):
        torch = _torch()
        sigma = torch.as_tensor(np.asarray(md.potential.sigma, dtype=float), dtype=md.dtype,
                                device=md.device)
        idx = torch.arange(md.B, device=md.device)
        nb, kept = md.pairs_within(idx, r_in * float(sigma.max()))
        dr = md.separations(nb)
        s = sigma[md.types[:, :, None], md.types.reshape(-1)[nb]]
        bonded = kept & ((dr * dr).sum(-1) < (r_in * s) ** 2)
        self.md, self.neighbors = md, nb
        self.limit2 = torch.where(bonded, (r_out * s) ** 2, torch.full_like(s, -1.0))
        self.n0 = bonded.sum(-1).to(md.dtype)

    def __call__(self, x0):
        dr = self.md.separations(self.neighbors)
        return ((dr * dr).sum(-1) < self.limit2).sum(-1).to(self.md.dtype) / self.n0


class _DeviceDisplacement:
    """|r_i(t) - r_i(0)| of every copy, centre-of-mass drift removed (as DisplacementLabel)."""

    def __init__(self, md: TorchMD):
        self.md = md

    def __call__(self, x0):
        d = self.md.x - x0
        d = d - d.mean(1, keepdim=True)
        return (d * d).sum(-1).sqrt()


#: labels the torch engine computes on the device; any other registered label is computed on the
#: host from positions copied back at the label steps
DEVICE_LABELS = {"bond_breaking": _DeviceBondBreaking, "displacement": _DeviceDisplacement}


# ----------------------------------------------------------------------------- engine
@ENGINES.register("torch")
class TorchEngine(Engine):
    """Batched isoconfigurational replicas in PyTorch: the replicas of many jobs run as one batch
    of copies (at most ``batch_copies``, default 64 on CPU, 4096 on CUDA), labels computed on the
    device at the label steps, only the replica sums leave it.  ``simulation`` is not provided:
    equilibration and quenches run on LAMMPS.  On CPU it uses ``threads`` cores (default: all this
    process may use; a LAMMPS instance created earlier in the process leaves torch at 1 thread)."""

    name = "torch"

    def __init__(self, device: str = "cpu", precision: str = "float64", batch_copies: int | None = None,
                 compile: bool | None = None, threads: int | None = None):
        if precision not in TORCH_DTYPES:
            raise ValueError(f"precision must be one of {TORCH_DTYPES}, got {precision!r}")
        torch_device(device)
        super().__init__(device, precision)
        self.batch_copies = batch_copies or (4096 if str(device).startswith("cuda") else 64)
        self.compile = compile
        available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        self.threads = threads or available or 1

    def propagate(self, jobs, potential, temperature, steps, dt, tdamp=None, labels=True) -> list:
        from ..dynamics.propensity import LABELS

        torch = _torch()
        if self.device == "cpu":
            torch.set_num_threads(self.threads)
        jobs = list(jobs)
        steps = np.asarray(steps, dtype=np.int64)
        names = LABELS.names() if labels else []
        results = [label_sums(names, steps.size, job.configuration.n_particles) for job in jobs]
        copies = [(k, seed) for k, job in enumerate(jobs) for seed in job.seeds]
        for start in range(0, len(copies), self.batch_copies):
            batch = copies[start:start + self.batch_copies]
            confs = [jobs[k].configuration for k, _ in batch]
            box = confs[0].box
            if any(c.n_particles != confs[0].n_particles or not np.allclose(c.box, box) for c in confs):
                raise ValueError("a torch batch needs configurations of one system (same N and box)")
            md = TorchMD(np.stack([c.positions for c in confs]), np.stack([c.types for c in confs]),
                         box, potential, dt, device=self.device, dtype=self.precision, compile=self.compile)
            md.set_velocities(np.stack([maxwell_velocities(c.n_particles, c.dimension, temperature,
                                                           np.random.default_rng(seed))
                                        for c, (_, seed) in zip(confs, batch)]))
            md.nvt(temperature, tdamp)
            if not labels:
                md.run(int(steps[-1]))
                continue
            here = sorted({k for k, _ in batch})  # the jobs of this batch
            owner = torch.as_tensor([here.index(k) for k, _ in batch], device=md.device)
            device_sums = {key: torch.zeros(len(here), steps.size, md.N, dtype=torch.float64, device=md.device)
                           for key in results[0]}
            trackers = {}
            for name in names:
                if name in DEVICE_LABELS:
                    trackers[name] = DEVICE_LABELS[name](md)
                else:  # a label registered at run time: evaluated on the host
                    host = [LABELS.get(name)(c, potential) for c in confs]
                    trackers[name] = _HostLabel(md, host)
            x0 = md.x.clone()
            done = 0
            for k, s in enumerate(steps):
                md.run(int(s) - done)
                done = int(s)
                if not bool(torch.isfinite(md.x).all()):
                    raise FloatingPointError(f"torch engine: non-finite positions at step {done} "
                                             "(time step too large or overlapping particles)")
                for name, tracker in trackers.items():
                    v = tracker(x0).to(torch.float64)
                    device_sums[name][:, k].index_add_(0, owner, v)
                    device_sums[f"{name}_sq"][:, k].index_add_(0, owner, v * v)
            for key, value in device_sums.items():
                value = value.cpu().numpy()
                for local, j in enumerate(here):
                    results[j][key] += value[local]
        return results


class _HostLabel:
    """A streaming label of the registry evaluated on the host, one instance per copy."""

    def __init__(self, md: TorchMD, labels):
        self.md, self.labels = md, labels

    def __call__(self, x0):
        torch = _torch()
        x, start = self.md.numpy("x"), x0.cpu().numpy().astype(float)
        values = np.stack([label(x[b], start[b]) for b, label in enumerate(self.labels)])
        return torch.as_tensor(values, device=self.md.device)
