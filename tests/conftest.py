"""Shared fixtures: small equilibrated liquids of every preset (built once per test session)."""
from functools import lru_cache

import numpy as np
import pytest

from glassdyn.engines import LammpsSimulation
from glassdyn.systems import get_system

SHARED = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared"


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
