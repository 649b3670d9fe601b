"""The prepared GPU run of the torch replica engine (one short script, sized for <= 6 minutes).

Two steps:

1. here, on CPU (LAMMPS, h5py):  ``python benchmarks/gpu_replicas.py --prepare``
   writes ``benchmarks/data/gpu_start.npz``: melted KA2D (N = 1290) and KA3D (N = 4096) liquids at
   T = 1.0, the 24 KA2D T = 0.45 configurations of the shipped store (equilibrated with swap MC) and
   the store's LAMMPS C_B(t) with its tau_BB, and the LAMMPS reference <U>/N of KA2D at T = 1.0.
2. on the GPU machine (torch + numpy only; glassdyn imported from ``src/``):
   ``python benchmarks/gpu_replicas.py --budget 330``
   prints aggregate atom-steps/s for R in {1, 64, 512, 2048} x {KA2D N = 1290, KA3D N = 4096} x
   {float32, float64} (NVT with the Nose-Hoover chain, Verlet lists, torch.compile'd forces;
   eager if compilation fails), a physics check on the GPU (NVE energy excursion, <U>/N at T = 1.0
   against the LAMMPS value), and, when the budget allows, propagates the 24 T = 0.45 configurations
   x 10 replicas and compares tau_BB with the LAMMPS labels of the same configurations.
   Everything also lands in ``$OUT/gpu_replicas.json``.  Lines ``key=value`` are the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "gpu_start.npz"
SIZES = (1, 64, 512, 2048)


def prepare() -> None:
    """CPU side: the start configurations and LAMMPS references (needs LAMMPS and h5py)."""
    from glassdyn.dynamics import relaxation_time
    from glassdyn.engines import LammpsSimulation
    from glassdyn.systems import get_system
    from glassdyn.workflows.campaign import read_store, shipped_store

    out = {}
    for name in ("ka2d", "ka3d"):
        s = get_system(name)
        with LammpsSimulation(s.lattice_configuration(1), s.potential, s.dt) as sim:
            sim.minimize(ftol=1e-3, method="cg")
            sim.draw_velocities(1.0, 1)
            sim.nvt(1.0)
            sim.run(10000)
            c = sim.configuration(with_velocities=False)
        out[f"{name}_positions"], out[f"{name}_types"], out[f"{name}_box"] = c.positions, c.types, c.box
        if name == "ka2d":  # <U>/N at T = 1.0: 4 independent runs, 2e4 steps each after 2e4
            u = []
            for seed in range(4):
                with LammpsSimulation(c, s.potential, s.dt) as sim:
                    sim.draw_velocities(1.0, 100 + seed)
                    sim.nvt(1.0)
                    sim.run(20000)
                    samples = []
                    for _ in range(200):
                        sim.run(100)
                        samples.append(sim.potential_energy() / s.n_particles)
                u.append(np.mean(samples))
            out["ka2d_u_T1"] = np.array(u)
    store = read_store(shipped_store("ka2d-T0.45"))
    out["t045_positions"], out["t045_types"] = store["positions"], store["types"]
    out["t045_box"] = np.asarray(store["attrs"]["box"])
    out["t045_steps"] = store["label"]["steps"]
    a = store["types"] == 0
    cb = np.nanmean(store["label"]["bond_breaking"][:, :, a], axis=(0, 2))
    out["t045_cb_lammps"] = cb
    out["t045_tau_lammps"] = relaxation_time(store["label"]["times"], cb, 0.5)
    out["t045_replicas"] = int(store["attrs"]["n_replicas"])
    DATA.parent.mkdir(exist_ok=True)
    np.savez_compressed(DATA, **out)
    print(f"wrote {DATA} ({DATA.stat().st_size / 1e3:.0f} kB); LAMMPS <U>/N(T=1) = "
          f"{out['ka2d_u_T1'].mean():.5f} +- {out['ka2d_u_T1'].std(ddof=1) / 2:.5f}; "
          f"tau_BB(T=0.45) = {out['t045_tau_lammps']:.4g}")


class Clock:
    def __init__(self, budget: float):
        self.t0, self.budget = time.perf_counter(), budget

    @property
    def left(self) -> float:
        return self.budget - (time.perf_counter() - self.t0)


DEVICE = "cuda"  # --dry-run: "cpu", to check this script's logic on a machine without a GPU


def _sync(torch):
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def make_md(torch, system, positions, types, box, copies, precision, temperature, seed, compile):
    from glassdyn.engines import maxwell_velocities
    from glassdyn.engines.torch_md import TorchMD

    md = TorchMD(np.repeat(positions[None], copies, 0), types, box, system.potential, system.dt,
                 device=DEVICE, dtype=precision, compile=compile)
    rng = np.random.default_rng(seed)
    md.set_velocities(np.stack([maxwell_velocities(len(types), system.dimension, temperature, rng)
                                for _ in range(copies)]))
    md.nvt(temperature)
    return md


def throughput(torch, system, start, copies, precision, compile, seconds=1.5):
    """Aggregate atom-steps/s of NVT at T = 1 (after a warm-up that includes compilation)."""
    md = make_md(torch, system, *start, copies, precision, 1.0, copies, compile)
    md.run(20)
    _sync(torch)
    steps, elapsed = 5, 0.0
    while elapsed < seconds:
        steps *= 2
        t = time.perf_counter()
        md.run(steps)
        _sync(torch)
        elapsed = time.perf_counter() - t
    rate = copies * md.N * steps / elapsed
    del md
    if DEVICE == "cuda":
        torch.cuda.empty_cache()
    return rate


def gpu(budget: float, sizes=SIZES, physics_steps: int = 5000, physics_copies: int = 64) -> None:
    clock = Clock(budget)
    sys.path.insert(0, str(ROOT / "src"))
    try:
        import torch

        from glassdyn.dynamics.relaxation import relaxation_time
        from glassdyn.engines import ReplicaJob, replica_seed
        from glassdyn.engines.torch_engine import TorchEngine
        from glassdyn.systems import get_system
    except ImportError as exc:
        print(f"cannot import what the GPU run needs: {exc}")
        sys.exit(2)
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print("no CUDA device visible to torch")
        sys.exit(2)
    data = np.load(DATA)
    name = torch.cuda.get_device_name(0) if DEVICE == "cuda" else "cpu (dry run)"
    out = dict(device=name, torch=torch.__version__, rates={}, skipped=[])
    print(f"{out['device']}, torch {torch.__version__}")
    compile = DEVICE == "cuda"
    try:  # compile once on a small batch; fall back to eager when the toolchain is missing
        s = get_system("ka2d")
        make_md(torch, s, data["ka2d_positions"], data["ka2d_types"], data["ka2d_box"], 4, "float32", 1.0, 0,
                compile).run(2)
    except Exception as exc:  # noqa: BLE001 - any compiler failure means: run eager
        print(f"torch.compile failed ({type(exc).__name__}: {str(exc)[:200]}); measuring eager")
        compile = False
    out["compiled"] = compile
    for name in ("ka2d", "ka3d"):
        s = get_system(name)
        start = (data[f"{name}_positions"], data[f"{name}_types"], data[f"{name}_box"])
        for precision in ("float32", "float64"):
            for copies in sizes:
                key = f"{name}_{precision}_R{copies}"
                if clock.left < 0.45 * budget:
                    out["skipped"].append(key)
                    continue
                try:
                    rate = throughput(torch, s, start, copies, precision, compile)
                except torch.OutOfMemoryError:
                    torch.cuda.empty_cache()
                    out["skipped"].append(key + " (out of memory)")
                    print(f"{key}: out of memory")
                    continue
                out["rates"][key] = rate
                print(f"gpu_atom_steps_per_s_{key}={rate:.3e}")
    # physics on the GPU: NVE excursion and <U>/N at T = 1 (KA2D, 64 copies)
    s = get_system("ka2d")
    start = (data["ka2d_positions"], data["ka2d_types"], data["ka2d_box"])
    ref = data["ka2d_u_T1"]
    for precision in ("float64", "float32"):
        if clock.left < 0.3 * budget:
            out["skipped"].append(f"physics_{precision}")
            continue
        md = make_md(torch, s, *start, physics_copies, precision, 1.0, 7, compile)
        md.run(physics_steps, energies=True)
        u = []
        for _ in range(physics_steps // 50):
            md.run(100, energies=True)
            u.append(md.potential_energy() / md.N)
        u = np.array(u).mean(0)
        md.nve()
        e = []
        for _ in range(physics_steps // 100):
            md.run(100, energies=True)
            e.append(md.potential_energy() + 0.5 * (md.v.double() ** 2).sum((1, 2)).cpu().numpy())
        e = np.array(e)
        excursion = float(np.abs(e - e[0]).max(0).mean() / md.N)
        out[f"u_T1_{precision}"] = [float(u.mean()), float(u.std(ddof=1) / np.sqrt(u.size))]
        out[f"nve_excursion_{precision}"] = excursion
        print(f"u_per_particle_T1_{precision}={u.mean():.5f} +- {u.std(ddof=1) / np.sqrt(u.size):.5f} "
              f"(LAMMPS {ref.mean():.5f} +- {ref.std(ddof=1) / np.sqrt(ref.size):.5f})")
        print(f"nve_max_excursion_per_particle_{precision}={excursion:.2e} ({physics_steps} steps, dt = 0.01)")
        del md
    # tau_BB at T = 0.45 on the shipped configurations, 10 replicas each, labels on the device
    rate = out["rates"].get("ka2d_float32_R512")
    steps = data["t045_steps"]
    configurations = data["t045_positions"]
    replicas = int(data["t045_replicas"])
    need = len(configurations) * replicas * s.n_particles * int(steps[-1]) / rate * 1.3 if rate else np.inf
    print(f"T = 0.45 propagation needs ~{need:.0f} s; {clock.left:.0f} s left")
    if need < clock.left - 10:
        from glassdyn.systems import Configuration

        engine = TorchEngine(DEVICE, "float32", compile=compile)
        jobs = [ReplicaJob(Configuration(x, data["t045_types"], data["t045_box"]), list(range(replicas)),
                           [replica_seed(45, c, r) for r in range(replicas)]) for c, x in enumerate(configurations)]
        t = time.perf_counter()
        sums = engine.propagate(jobs, s.potential, 0.45, steps, s.dt)
        a = data["t045_types"] == 0
        cb = np.nanmean(np.array([x["bond_breaking"][:, a] for x in sums]), axis=(0, 2)) / replicas
        times = steps * s.dt
        tau = relaxation_time(times, cb, 0.5)
        out.update(tau_045_gpu=tau, tau_045_lammps=float(data["t045_tau_lammps"]),
                   cb_045_gpu=cb.tolist(), seconds_045=time.perf_counter() - t)
        print(f"tau_BB_T045_gpu={tau:.4g} (LAMMPS labels of the same configurations: "
              f"{float(data['t045_tau_lammps']):.4g}; {time.perf_counter() - t:.0f} s)")
    else:
        out["skipped"].append("tau_045")
    folder = Path(os.environ.get("OUT", "."))
    (folder / "gpu_replicas.json").write_text(json.dumps(out, indent=1, default=float))
    best = max((v for k, v in out["rates"].items() if k.startswith("ka2d_float32")), default=float("nan"))
    print(f"skipped: {out['skipped']}")
    print(f"gpu_replicas_best_ka2d_float32={best:.3e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="CPU side: write the start data")
    parser.add_argument("--budget", type=float, default=330.0, help="seconds the GPU run may take")
    parser.add_argument("--dry-run", action="store_true", help="the GPU run's logic on CPU, tiny sizes")
    args = parser.parse_args()
    if args.prepare:
        prepare()
    elif args.dry_run:
        global DEVICE
        DEVICE = "cpu"
        gpu(args.budget, sizes=(1, 4), physics_steps=200, physics_copies=2)
    else:
        gpu(args.budget)


if __name__ == "__main__":
    main()
