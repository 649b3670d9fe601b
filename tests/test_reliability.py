"""Campaigns survive kill -9 anywhere and bitwise; dead workers are replaced; presets and resumes
are checked; two runs never share an output; the CLI answers bad input with one line."""
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import TINY_PRESET, cli_fails
from glassdyn.workflows.executor import NoWorkers, OutputLock, UnitFailed, execute

sys.path.insert(0, str(Path(__file__).parent))
import _workers  # noqa: E402

ARRAYS = ("positions", "inherent", "energy_per_particle", "types")


def _simulate_cmd(preset, out, workers=1):
    return [sys.executable, "-m", "glassdyn.cli", "simulate", "--preset", str(preset), "--out", str(out),
            "--workers", str(workers), "--quiet"]


def _run(preset, out, workers=1):
    res = subprocess.run(_simulate_cmd(preset, out, workers), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    return res


def _assert_same_store(a, b):
    with h5py.File(a) as x, h5py.File(b) as y:
        for k in ARRAYS:
            np.testing.assert_array_equal(x[k][()], y[k][()], err_msg=k)
        assert sorted(x["label"]) == sorted(y["label"])
        for k in x["label"]:
            np.testing.assert_array_equal(x["label"][k][()], y["label"][k][()], err_msg=k)


def _unit_files(out):
    units = Path(str(out) + ".units")
    return {p: p.stat().st_mtime_ns for p in units.rglob("*.npz")}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The preset and an uninterrupted reference store."""
    folder = tmp_path_factory.mktemp("tiny")
    preset = folder / "tiny.toml"
    preset.write_text(TINY_PRESET)
    _run(preset, folder / "reference.h5")
    return preset, folder / "reference.h5"


STAGES = {  # a file that shows the run is inside the stage
    "equilibration": "equilibration/window_0001.npz",
    "inherent structures": "inherent/00000.npz",
    "replica units": "c00000_b0000.npz",
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_kill_in_any_stage_resumes_bitwise(tiny, tmp_path, stage):
    preset, reference = tiny
    out = tmp_path / "killed.h5"
    marker = Path(str(out) + ".units") / STAGES[stage]
    proc = subprocess.Popen(_simulate_cmd(preset, out), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert marker.exists(), f"the run never reached {stage}"
    time.sleep(np.random.default_rng(len(stage)).uniform(0, 0.5))  # a random moment inside the stage
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    before = _unit_files(out)
    _run(preset, out)
    after = _unit_files(out)
    assert all(after[p] == t for p, t in before.items()), "a finished piece was computed again"
    _assert_same_store(out, reference)


def test_dead_pool_worker_is_replaced(tiny, tmp_path):
    import psutil

    preset, reference = tiny
    out = tmp_path / "w.h5"
    proc = subprocess.Popen(_simulate_cmd(preset, out, workers=2), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    units = Path(str(out) + ".units")
    deadline = time.time() + 300
    while not list(units.glob("c*_b*.npz")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    workers = [p for p in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    assert workers, "no pool worker found"
    workers[0].kill()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert "a worker process died" in err and "Traceback" not in err
    _assert_same_store(out, reference)


def test_pool_workers_die_with_their_parent(tiny, tmp_path):
    import psutil

    preset, _ = tiny
    out = tmp_path / "o.h5"
    proc = subprocess.Popen(_simulate_cmd(preset, out, workers=2), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    units = Path(str(out) + ".units")
    deadline = time.time() + 300
    while not list(units.glob("c*_b*.npz")) and time.time() < deadline:
        time.sleep(0.01)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert children
    proc.kill()  # the parent alone
    proc.wait()
    gone, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, [p.cmdline() for p in alive]


def test_execute_restarts_the_pool_and_names_a_unit_that_always_kills_its_worker(tmp_path, caplog, monkeypatch):
    import logging

    got = {}
    monkeypatch.setattr(logging.getLogger("glassdyn"), "propagate", True)  # the CLI's set-up may not
    with caplog.at_level("WARNING", logger="glassdyn"):
        execute(_workers.die_once, [("a", (3, tmp_path / "m")), ("b", (4, tmp_path / "m2"))],
                got.__setitem__, workers=2, progress=False)
    assert got == {"a": 9, "b": 16}
    assert "resubmitting" in caplog.text
    got = {}
    with pytest.raises(UnitFailed, match="unit\\(s\\) .*bad"):
        execute(_workers.die_always, [("bad", (1,))], got.__setitem__, workers=2, progress=False)


def test_dask_without_workers_stops_with_a_message():
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        with pytest.raises(NoWorkers, match="no worker for 2 s"):  # the timeout given, not a hang
            execute(_workers.square, [("a", (2,))], lambda *a: None, scheduler=cluster.scheduler_address,
                    progress=False, worker_timeout=2.0)


def test_dask_worker_killed_mid_campaign(tiny, tmp_path):
    """A killed Dask worker: the nanny restarts it, the scheduler reruns its unit; same store."""
    import psutil
    from distributed import LocalCluster

    from glassdyn.workflows import load_preset, simulate

    preset, reference = tiny
    out = tmp_path / "d.h5"
    units = Path(str(out) + ".units")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        def killer():
            deadline = time.time() + 300
            while not list(units.glob("c*_b*.npz")) and time.time() < deadline:
                time.sleep(0.01)
            nannies = [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]
            victims = [c for n in nannies for c in n.children()] or nannies
            victims[0].kill()

        thread = threading.Thread(target=killer)
        thread.start()
        simulate(load_preset(preset), out, scheduler=cluster.scheduler_address, progress=False)
        thread.join()
    _assert_same_store(out, reference)


# ---------------------------------------------------------------------------------------- presets
@pytest.mark.parametrize("section,typo,message", [
    ("campaign", "sed = 1", "unknown key in \\[campaign\\]: 'sed'; did you mean 'seed'"),
    ("equilibration", "swop = false", "did you mean 'swap'"),
    ("campaign", "replica_per_unit = 2", "did you mean 'replicas_per_unit'"),
])
def test_misspelled_preset_keys_are_errors(tmp_path, section, typo, message):
    text = TINY_PRESET.replace(f"[{section}]\n", f"[{section}]\n{typo}\n")
    (tmp_path / "p.toml").write_text(text)
    cli_fails(["simulate", "--preset", tmp_path / "p.toml", "--out", tmp_path / "s.h5"], message, code=2)
    assert not (tmp_path / "s.h5.units").exists()


@pytest.mark.parametrize("old,new,message", [
    ('kwargs = {rho = 0.6}', 'kwargs = {n = 1000}', "kwargs .* do not fit system"),
    ("t_max = 10.0", "t_max = inf", "t_max must be finite"),
    ("[system]", "[sytem]", "unknown section 'sytem'; did you mean 'system'"),
    ("n_replicas = 2", "n_replicas = 2.5", "n_replicas must be int"),
    ("n_replicas = 2", "n_replicas = -1", "n_replicas = -1 must be >= 0"),
    ("t_max = 10.0\n", "", "missing \\[campaign\\] t_max \\(needed for replicas\\)"),
    ("[equilibration]", "tile = 0\n[equilibration]", "tile = 0 must be >= 1"),
])
def test_bad_preset_values_are_one_line_errors(tmp_path, old, new, message):
    (tmp_path / "p.toml").write_text(TINY_PRESET.replace(old, new))
    cli_fails(["simulate", "--preset", tmp_path / "p.toml", "--out", tmp_path / "s.h5"], message, code=2)


def test_equilibration_alone(tmp_path):
    """n_replicas = 0: equilibrated configurations and their inherent structures, a store without
    labels that says so when labels are asked for; ``tile`` sets the system (counts follow)."""
    from glassdyn.workflows.simulate import normalized_preset
    from glassdyn.errors import InputFileError
    from glassdyn.io.stores import read_store

    text = (TINY_PRESET.replace("n_replicas = 2", "n_replicas = 0").replace("t_max = 10.0\n", "")
            .replace("n_times = 5\n", "").replace("n_configurations = 3", "n_configurations = 2"))
    tiled = normalized_preset(tomllib.loads(text.replace("[equilibration]", "tile = 2\n[equilibration]")))
    assert sum(tiled["system"]["counts"]) == 4800
    (tmp_path / "p.toml").write_text(text)
    _run(tmp_path / "p.toml", tmp_path / "eq.h5")
    store = read_store(tmp_path / "eq.h5")
    assert store.configurations_only and len(store) == 2
    assert store.positions.shape == (2, 600, 3) and store.inherent.shape == (2, 600, 3)
    assert json.loads(store.attrs["equilibration"])["tau"] > 0 and len(set(store.fingerprints)) == 2
    with pytest.raises(InputFileError, match="configurations alone"):
        store.labels("bond_breaking")
    _run(tmp_path / "p.toml", tmp_path / "eq.h5")  # a finished run is a no-op
    # more configurations later: the chain continues, the two finished ones are kept bit for bit
    (tmp_path / "p.toml").write_text(text.replace("n_configurations = 2", "n_configurations = 3"))
    _run(tmp_path / "p.toml", tmp_path / "eq.h5")
    grown = read_store(tmp_path / "eq.h5")
    assert len(grown) == 3 and len(set(grown.fingerprints)) == 3
    np.testing.assert_array_equal(grown.positions[:2], store.positions)
    np.testing.assert_array_equal(grown.inherent[:2], store.inherent)
    (tmp_path / "p.toml").write_text(text)  # fewer than the finished work: refused
    cli_fails(["simulate", "--preset", tmp_path / "p.toml", "--out", tmp_path / "eq.h5"],
              "n_configurations: 3", code=2)


def test_resume_with_an_edited_preset_is_refused(tiny, tmp_path):
    preset, _ = tiny
    out = tmp_path / "r.h5"
    units = Path(str(out) + ".units")
    proc = subprocess.Popen(_simulate_cmd(preset, out), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (units / "equilibration" / "window_0000.npz").exists() and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _unit_files(out)
    for old, new, key in (("n_configurations = 3", "n_configurations = 2", "\\[campaign\\] n_configurations: 3"),
                          ("window_steps = 200", "window_steps = 100", "\\[equilibration\\] window_steps"),
                          ("temperature = 1.5", "temperature = 1.6", "\\[equilibration\\] temperature")):
        edited = tmp_path / "edited.toml"
        edited.write_text(TINY_PRESET.replace(old, new))
        cli_fails(["simulate", "--preset", edited, "--out", out], key, code=2)
    assert _unit_files(out) == before  # nothing written by a refused run
    # max_windows does not change any result: raising it to resume is allowed
    from glassdyn.workflows.simulate import _check_resume, normalized_preset

    _check_resume(units / "preset.json", normalized_preset(tomllib.loads(TINY_PRESET.replace("max_windows = 40",
                                                                                       "max_windows = 80"))))


def test_a_second_run_on_the_same_output_is_refused_and_stale_temporaries_go(tiny, tmp_path):
    preset, reference = tiny
    out = tmp_path / "l.h5"
    with OutputLock(out):
        cli_fails(["simulate", "--preset", preset, "--out", out], f"another glassdyn run \\(pid {os.getpid()}\\)")
    assert not Path(str(out) + ".units").exists()
    stale = [tmp_path / "l.h5abc.tmp", Path(str(out) + ".units") / "c00000_b0000.npzxyz.tmp"]
    for p in stale:
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"x" * 1000)
    _run(preset, out)
    assert not any(p.exists() for p in stale)
    _assert_same_store(out, reference)


# ------------------------------------------------------------------------------------ CLI boundary
@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny model folder trained on the shipped store, plus damaged copies of store and models."""
    import shutil

    from glassdyn.workflows.campaign import shipped_store
    from glassdyn.workflows.learning import train_models

    folder = tmp_path_factory.mktemp("models")
    store = shipped_store("ka2d-T0.45")
    train_models(store, folder / "models", times=[20], epoch_scale=0.01, kinds=["glassmlp", "ridge"],
                 progress=False)
    data = (folder / "models" / "glassmlp_t20.npz").read_bytes()
    for name, content in (("truncated", data[: len(data) // 2]),
                          ("crc", data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 0xFF]) + data[len(data) // 2 + 1:])):
        shutil.copytree(folder / "models", folder / name)
        (folder / name / "glassmlp_t20.npz").write_bytes(content)
    for drop, name in (("inherent", "no_inherent.h5"), ("label/bond_breaking", "no_bb.h5")):
        with h5py.File(store) as a, h5py.File(folder / name, "w") as b:
            b.attrs.update(dict(a.attrs))
            for n in ("types", "positions", "inherent", "energy_per_particle"):
                if n != drop:
                    b[n] = a[n][()]
            for n in a["label"]:
                if f"label/{n}" != drop:
                    b[f"label/{n}"] = a["label"][n][()]
    (folder / "afile").write_text("not a folder")
    return folder, store


def test_bad_inputs_through_the_cli(models, tmp_path):
    """One line, the right exit code (2 bad argument, 1 bad or unwritable file), never a traceback."""
    f, store = models
    m, notdir = f / "models", f / "afile" / "sub"
    cases = [
        (["evaluate", "--models", m, "--store", store, "--out", notdir], 1, "Not a directory|exists and is not"),
        (["predict", "--models", m, "--store", store, "--out", notdir / "p.npz"], 1, "Not a directory|exists and is not"),
        (["simulate", "--preset", "quick", "--out", notdir / "s.h5"], 1, "Not a directory|exists and is not"),
        (["mct", "solve", "--tmax", "10", "--out", notdir], 1, "Not a directory|exists and is not"),
        (["train", "--store", store, "--out", notdir, "--times", "20"], 1, "Not a directory|exists and is not"),
        (["glassbench", f, "--out", notdir / "g.h5"], 1, "Not a directory|exists and is not|GlassBench"),
        (["transfer", "--models", m, "--out", notdir], 2, "depend on the box size"),
        (["predict", "--models", f / "truncated", "--store", store, "--out", tmp_path / "p.npz"], 1,
         "truncated/glassmlp_t20.npz: unreadable"),
        (["evaluate", "--models", f / "crc", "--store", store, "--out", tmp_path / "e"], 1, "crc/glassmlp_t20.npz: unreadable"),
        (["predict", "--models", m, "--store", f / "no_inherent.h5", "--out", tmp_path / "p.npz"], 1, "missing inherent"),
        (["evaluate", "--models", m, "--store", f / "no_inherent.h5", "--out", tmp_path / "e"], 1, "missing inherent"),
        (["train", "--store", f / "no_bb.h5", "--out", tmp_path / "t"], 1, "no bond_breaking labels"),
        (["evaluate", "--models", m, "--store", store, "--configurations", "0", "99", "--out", tmp_path / "e"], 2,
         "configurations \\[99\\]"),
        (["evaluate", "--models", m, "--store", store, "--configurations", "-1", "--out", tmp_path / "e"], 2,
         "configurations \\[-1\\]"),
        (["predict", "--models", tmp_path / "nothing", "--store", store], 1, "not a glassdyn model folder"),
    ]
    for argv, code, message in cases:
        cli_fails(argv, message, code=code)


def test_disk_full_is_one_line(models, tmp_path, monkeypatch):
    f, store = models

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "e"))

    monkeypatch.setattr(np, "savez", full)
    cli_fails(["mct", "solve", "--tmax", "10", "--nk", "20", "--out", tmp_path / "e"], "disk full", code=1)


def test_inferred_species_are_reported(tmp_path, capsys):
    from glassdyn.cli import main
    from glassdyn.io import Trajectory, write_extxyz

    rng = np.random.default_rng(0)
    g = (np.arange(8) + 0.5) * 1.25
    X, Y = np.meshgrid(g, g)
    types = np.where(np.arange(64) < 50, 0, 7)  # species 1..6 absent
    path = tmp_path / "c.xyz"
    write_extxyz(path, Trajectory(np.c_[X.ravel(), Y.ravel()][None] + rng.normal(0, 0.05, (1, 64, 2)), types,
                                  [10.0, 10.0], np.array([0]), unwrapped=False))
    assert main(["describe", str(path), "--out", str(tmp_path / "d"), "--cutoff", "4"]) == 0
    assert "8 species inferred from the type numbers 0..7; species [1, 2, 3, 4, 5, 6] have no particles" \
        in capsys.readouterr().err


def test_the_real_entry_point_shows_no_traceback(tmp_path):
    res = subprocess.run([sys.executable, "-m", "glassdyn.cli", "evaluate", "--models", str(tmp_path),
                          "--store", str(tmp_path / "missing.h5")], capture_output=True, text=True)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("glassdyn: error:")


def _train_cmd(store, out, *extra, epoch_scale="0.05"):
    return [sys.executable, "-m", "glassdyn.cli", "train", "--store", str(store), "--out", str(out), "--times", "20",
            "22", "24", "--epoch-scale", epoch_scale, "--quiet", *extra]


def test_model_folders_are_locked_refused_and_replaced_whole(tmp_path):
    """issue 29 §3 with real processes: a second train into a folder being written is refused (exit 2,
    the holder named); a finished folder is refused without --overwrite; a retrain killed -9 after
    its first time leaves the previous models and models.json bit for bit (no mix of two runs);
    --overwrite then replaces them whole, other files in the folder untouched."""
    from glassdyn.workflows.campaign import shipped_store

    store, out = shipped_store("ka2d-T0.45"), tmp_path / "m"
    first = subprocess.Popen(_train_cmd(store, out, epoch_scale="1"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)  # about a minute of training
    partial = tmp_path / f".m.partial-{first.pid}"
    deadline = time.time() + 120
    while not partial.exists() and time.time() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert partial.exists() and first.poll() is None, "the first run never started writing"
    second = subprocess.run(_train_cmd(store, out), capture_output=True, text=True, timeout=300)
    assert first.poll() is None, "the first run ended before the second was refused: not a concurrent test"
    assert first.wait(timeout=600) == 0, first.stderr.read()[-2000:]
    assert second.returncode == 2 and "another glassdyn run (pid" in second.stderr, second.stderr
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    assert "models.json" in before and "glassmlp_t24.npz" in before
    again = subprocess.run(_train_cmd(store, out), capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "already holds models" in again.stderr and again.stderr.count("\n") == 1
    (out / "notes.txt").write_text("mine")
    proc = subprocess.Popen(_train_cmd(store, out, "--overwrite", "--seed", "7"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    partial = tmp_path / f".m.partial-{proc.pid}"
    deadline = time.time() + 300
    while not (partial / "ridge_t20.npz").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert (partial / "ridge_t20.npz").exists(), "the retrain never finished its first time"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.name != "notes.txt"} == before
    done = subprocess.run(_train_cmd(store, out, "--overwrite", "--seed", "7"), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((out / "models.json").read_text())["seed"] == 7 and (out / "notes.txt").read_text() == "mine"
    assert (out / "glassmlp_t24.npz").read_bytes() != before["glassmlp_t24.npz"]
    assert not list(tmp_path.glob(".m.partial-*"))
