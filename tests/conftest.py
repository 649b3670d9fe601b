"""Shared fixtures: small equilibrated liquids of every preset (built once per test session)."""
from functools import lru_cache

import numpy as np
import pytest

from glassdyn.engines import LammpsSimulation
from glassdyn.systems import get_system

SHARED = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared"

#: N = 600 3D KA LJ at T = 1.5: equilibration in ~6 windows of 200 steps, 3 quenches, 6 replica
#: units (~1 s each): the campaign preset of the reliability and engine tests
TINY_PRESET = """
[system]
name = "ka3d_lj"
kwargs = {rho = 0.6}

[equilibration]
temperature = 1.5
window_steps = 200
max_windows = 40
spacing = 1.0
swap = false

[campaign]
n_configurations = 3
n_replicas = 2
replicas_per_unit = 1
t_max = 10.0
n_times = 5
seed = 3
"""


@lru_cache(maxsize=None)
def _liquid(name: str, temperature: float, steps: int, seed: int = 7, **kw):
    system = get_system(name, **dict(kw))
    with LammpsSimulation(system.lattice_configuration(seed), system.potential, system.dt) as sim:
        sim.minimize(ftol=1e-3, method="cg")
        sim.draw_velocities(temperature, seed)
        sim.nvt(temperature)
        sim.run(steps)
        return system, sim.configuration()


@pytest.fixture(scope="session")
def liquid():
    """liquid(name, T, steps, **system_kwargs) -> (system, Configuration with velocities)."""
    def make(name, temperature=1.0, steps=1000, **kw):
        return _liquid(name, temperature, steps, **{k: v for k, v in sorted(kw.items())})
    return make


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def cli_fails(argv, match, code=None):
    """Run the CLI in-process; assert it fails with exit code ``code`` (default: any non-zero) and a
    one-line ``glassdyn: error:`` message matching ``match`` (a regex), without a traceback."""
    import contextlib
    import io
    import re

    from glassdyn.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    text = err.getvalue()
    lines = [line for line in text.splitlines() if line.startswith("glassdyn: error:")]
    assert rc != 0 and (code is None or rc == code), (rc, text)
    assert len(lines) == 1 and "Traceback" not in text, text
    assert re.search(match, lines[0]), (match, lines[0])
    return rc


def kill_and_resume(spec, confs, folder, at_least: int, **run_kwargs):
    """Start ``Campaign(spec, confs).run(**run_kwargs)`` in a subprocess, ``kill -9`` it once
    ``at_least`` units are finished, resume it in this process, and run the same campaign
    uninterrupted.  Asserts the kill left a partial campaign and no finished unit was recomputed;
    returns (units before the kill, resumed store, uninterrupted store) as read_store results."""
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    from glassdyn.workflows import Campaign, read_store

    np.savez(folder / "confs.npz", x=np.array([c.positions for c in confs]), t=confs[0].types,
             box=confs[0].box)
    script = folder / "run.py"
    script.write_text(textwrap.dedent(f"""
        import numpy as np, json
        from glassdyn.systems import Configuration
        from glassdyn.workflows import Campaign, CampaignSpec
        d = np.load({str(folder / 'confs.npz')!r})
        confs = [Configuration(x, d['t'], d['box']) for x in d['x']]
        spec = CampaignSpec(**json.loads({spec.to_json()!r}))
        Campaign(spec, confs, {str(folder / 'killed.h5')!r}).run(progress=False, **{run_kwargs!r})
    """))
    proc = subprocess.Popen([sys.executable, str(script)])
    units = folder / "killed.h5.units"
    deadline = time.time() + 180
    while time.time() < deadline and len(list(units.glob("c*.npz"))) < at_least:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(units.glob("c*.npz")))
    assert at_least <= done_before and not (folder / "killed.h5").exists()
    mtimes = {p.name: p.stat().st_mtime_ns for p in units.glob("c*.npz")}
    Campaign(spec, confs, folder / "killed.h5").run(progress=False, **run_kwargs)
    assert all((units / n).stat().st_mtime_ns == t for n, t in mtimes.items()), "a unit was recomputed"
    Campaign(spec, confs, folder / "clean.h5").run(progress=False, **run_kwargs)
    return done_before, read_store(folder / "killed.h5"), read_store(folder / "clean.h5")
