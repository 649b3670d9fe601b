import json

import pytest

from glassdyn.cli import main
from conftest import cli_fails


def test_mct_solve_writes_solution_and_plot(tmp_path, capsys):
    assert main(["mct", "solve", "--phi", "0.52", "--tmax", "1e3", "--out", str(tmp_path)]) == 0
    assert "f(k_p) = 0.908" in capsys.readouterr().out
    import numpy as np

    data = np.load(tmp_path / "mct_solution.npz")
    assert data["F"].shape == (data["t"].size, 100)
    assert (tmp_path / "mct_solution.png").stat().st_size > 1000


def test_mct_solve_rejects_bad_sk_file(tmp_path):

    bad = tmp_path / "sk.txt"
    bad.write_text("".join(f"{0.4 * (i + 1)} 2 3\n" for i in range(12)))
    cli_fails(["mct", "solve", "--sk", str(bad), "--rho", "1.0"], r"2 partial columns is not s\(s\+1\)/2")
    bad.write_text("1\n2\n")
    cli_fails(["mct", "solve", "--sk", str(bad), "--rho", "1.0"], "must hold finite columns")
    cli_fails(["mct", "solve", "--sk", str(tmp_path / "missing.txt"), "--rho", "1.0"], "cannot read")


def test_mct_fit_memory_cli(tmp_path, capsys):
    import numpy as np

    from glassdyn.theory.memory_fit import StretchedMemory, solve_with_memory

    true = StretchedMemory(1, np.array([0.0]), np.array([[5.0]]), np.array([[0.1]]),
                           np.array([[2.0]]), np.array([[0.7]]))
    t = np.geomspace(1e-2, 1e3, 30)
    target = tmp_path / "F.txt"
    np.savetxt(target, np.c_[t, solve_with_memory(true, 1.0, 1.0, t)])
    assert main(["mct", "fit-memory", "--target", str(target), "--omega2", "1", "--n-exp", "1",
                 "--max-evaluations", "2500", "--out", str(tmp_path)]) == 0
    assert "N_exp=1: R^2 = 1.0000" in capsys.readouterr().out
    assert json.loads((tmp_path / "memory_fit.json").read_text())["fits"]["1"]["r2"] > 0.9999
    assert (tmp_path / "memory_fit.png").exists()


def test_mct_solve_mixture_file(tmp_path, capsys):
    import numpy as np

    from glassdyn.theory import midpoint_grid, py_mixture_structure_factor

    k = midpoint_grid()
    x = np.array([0.5, 0.5])
    S = py_mixture_structure_factor(k, np.array([1.0, 1.2]), x, 0.53)
    path = tmp_path / "sk.txt"
    np.savetxt(path, np.c_[k, S[:, 0, 0], S[:, 0, 1], S[:, 1, 1]])
    rho = 0.53 / (np.pi / 6 * np.sum(x * np.array([1.0, 1.2]) ** 3))
    assert main(["mct", "solve", "--sk", str(path), "--rho", str(rho), "--x", "0.5", "0.5",
                 "--tmax", "1e3"]) == 0
    out = capsys.readouterr().out
    import re

    f = [float(v) for v in re.findall(r"f\(k_p\) = ([0-9.]+)", out)]
    assert len(f) == 2 and all(0.8 < v < 1.0 for v in f)  # glassy at phi = 0.53
    cli_fails(["mct", "solve", "--sk", str(path), "--rho", str(rho)], "--x needs 2 number fractions")


def test_describe_and_analyse_cli(tmp_path, capsys):
    import numpy as np

    from glassdyn.io import Trajectory, write_extxyz

    rng = np.random.default_rng(0)
    g = (np.arange(12) + 0.5) * 1.1
    X, Y = np.meshgrid(g, g)
    base = np.c_[X.ravel(), Y.ravel()] + rng.normal(0, 0.05, (144, 2))
    tr = Trajectory(np.array([base, base + 0.01]), rng.integers(0, 3, 144), [13.2, 13.2],
                    np.array([0, 1]), unwrapped=False)
    path = tmp_path / "c.xyz"
    write_extxyz(path, tr)
    assert main(["describe", str(path), "--potential", "ka2d", "--out", str(tmp_path / "d")]) == 0
    data = np.load(tmp_path / "d" / "descriptors.npz")
    assert data["features"].shape == (144, 256)
    assert (tmp_path / "d" / "descriptors.png").exists()
    assert main(["analyse", "sk", str(path), "--every", "1", "--kmax", "10", "--bins", "20",
                 "--out", str(tmp_path / "a")]) == 0
    assert np.load(tmp_path / "a" / "structure_factor.npz")["S_partial"].shape == (20, 3, 3)
    # dynamics refuses wrapped coordinates with a clear message

    cli_fails(["analyse", "dynamics", str(path), "--out", str(tmp_path / "a")], "unwrapped")


def test_analyse_heterogeneity_on_external_sample(tmp_path, capsys):
    from pathlib import Path

    import numpy as np
    import pytest

    ext = Path(__file__).resolve().parents[2] / "shared" / "external" / "structdynglass_ka2d"
    if not ext.is_dir():
        pytest.skip("../shared/external not present")
    files = [str(ext / c / f"{r}.xyz") for c in ("Cnf-100000", "Cnf-200000") for r in (1, 2)]
    assert main(["analyse", "heterogeneity", *files, "--replicas", "2", "--dt", "0.01",
                 "--out", str(tmp_path)]) == 0
    data = np.load(tmp_path / "heterogeneity.npz")
    assert data["propensity"].shape == (2, 42, 1290)
    assert data["chi4"][0] == 0.0 and data["chi4"].max() > 0  # all C_B = 1 at t = 0
    assert (tmp_path / "heterogeneity.png").exists()
    cli_fails(["analyse", "heterogeneity", *files[:3], "--replicas", "2", "--out", str(tmp_path)], "--replicas")


def test_presets_list_and_show(capsys):
    import tomllib

    assert main(["presets", "list"]) == 0
    listed = capsys.readouterr().out
    for name in ("quick", "ka2d-paper", "ka3d-paper", "collective", "ka2d-T0.45"):
        assert f"\n{name} " in "\n" + listed
    assert main(["presets", "show", "quick"]) == 0
    assert tomllib.loads(capsys.readouterr().out)["equilibration"]["temperature"] == 0.6
    cli_fails(["presets", "show", "nope"], "unknown preset 'nope'", code=2)


def test_report_of_any_run_folder(tmp_path, capsys):
    """`glassdyn report FOLDER` on a folder of another command: its figure embedded, its stamp listed;
    a missing folder is a one-line error."""
    out = tmp_path / "mct"
    assert main(["mct", "solve", "--phi", "0.5", "--nk", "40", "--tmax", "1e2", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert page.count('<img alt="mct_solution.png" src="data:image/png;base64,') == 1
    assert "<td>mct_solution.npz</td>" in page and "mct solve" in page
    cli_fails(["report", str(tmp_path / "nowhere")], "not a run folder", 1)


def test_mct_inputs_are_checked_at_the_boundary(tmp_path):
    """Issue 18 section 2: non-positive density, t_max, Omega^2 and N_exp are one-line usage errors."""
    import numpy as np

    from conftest import cli_fails

    cli_fails(["mct", "solve", "--tmax", "-5", "--out", tmp_path], "t_max must be a positive number", code=2)
    cli_fails(["mct", "solve", "--block", "7", "--out", tmp_path], "even integer >= 16", code=2)
    k = np.linspace(0.2, 39.8, 100)
    sk = tmp_path / "sk.txt"
    np.savetxt(sk, np.c_[k, 1 + 0 * k, 0 * k, 1 + 0 * k])
    cli_fails(["mct", "solve", "--sk", sk, "--rho", "0", "--x", "0.8", "0.2", "--out", tmp_path],
              "density rho must be a positive number", code=2)
    t = np.geomspace(1e-2, 1e3, 30)
    target = tmp_path / "F.txt"
    np.savetxt(target, np.c_[t, np.exp(-t)])
    cli_fails(["mct", "fit-memory", "--target", target, "--omega2", "-1", "--out", tmp_path],
              "omega2 .* must be positive", code=2)
    cli_fails(["mct", "fit-memory", "--target", target, "--omega2", "1", "--n-exp", "0", "--out", tmp_path],
              "n_exp .* must be an integer >= 1", code=2)
    cli_fails(["mct", "exact-memory", "--target", target, "--omega2", "0", "--out", tmp_path],
              "omega2 must be positive", code=2)
    cli_fails(["mct", "critical", "--dimension", "4"], "no closed-form hard-sphere S.k. in d = 4", code=2)


def test_mct_critical_bracket_stays_where_the_structure_factor_is_valid(capsys):
    """Issue 31 §1: the d = 2 FMT S(k) on the standard grid diverges near phi = 0.7447; the default
    bracket (0.65, 0.75) is lowered to just inside, said on stderr, and S(k) is valid there."""
    import numpy as np

    from glassdyn.cli.analysis import _valid_upper_end
    from glassdyn.theory import hard_sphere_structure_factor, midpoint_grid

    k = midpoint_grid(100, 40.0)
    hi = _valid_upper_end(lambda p: hard_sphere_structure_factor(k, p, 2), 0.65, 0.75, explicit=False)
    assert 0.74 < hi < 0.7447 and "lowered to" in capsys.readouterr().err
    S = hard_sphere_structure_factor(k, hi, 2)
    assert np.all(np.isfinite(S)) and np.all(S > 0)
    with np.errstate(all="ignore"):
        bad = hard_sphere_structure_factor(k, 0.75, 2)
    assert not (np.all(np.isfinite(bad)) and np.all(bad > 0))  # the old upper end: the README command failed
    assert _valid_upper_end(lambda p: hard_sphere_structure_factor(k, p, 3), 0.50, 0.54, explicit=False) == 0.54


@pytest.mark.slow
def test_readme_mct_critical_dimension_2(capsys):
    """The README's command, end to end (about a minute)."""
    from glassdyn.cli import main

    assert main(["mct", "critical", "--dimension", "2"]) == 0
    assert "phi_c = 0.69862" in capsys.readouterr().out
