import json

from glassdyn.cli import main


def test_demo_runs_small(tmp_path, capsys):
    assert main(["demo", "--cycles", "100", "--melt-steps", "200", "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "inherent structure" in out
    summary = json.loads((tmp_path / "demo_summary.json").read_text())
    assert summary["is_max_force"] <= 1e-8
    assert summary["is_energy_per_particle"] < summary["energy_per_particle"]
    assert summary["system"]["potential"]["name"] == "ka2d"


def test_demo_rejects_bad_temperature(capsys):
    assert main(["demo", "--temperature", "-1"]) == 2
    assert "must be positive" in capsys.readouterr().err


def test_mct_solve_writes_solution_and_plot(tmp_path, capsys):
    assert main(["mct", "solve", "--phi", "0.52", "--tmax", "1e3", "--out", str(tmp_path)]) == 0
    assert "f(k_p) = 0.908" in capsys.readouterr().out
    import numpy as np

    data = np.load(tmp_path / "mct_solution.npz")
    assert data["F"].shape == (data["t"].size, 100)
    assert (tmp_path / "mct_solution.png").stat().st_size > 1000


def test_mct_solve_rejects_bad_sk_file(tmp_path):
    import pytest

    bad = tmp_path / "sk.txt"
    bad.write_text("1 2 3\n4 5 6\n")
    with pytest.raises(SystemExit, match="two columns"):
        main(["mct", "solve", "--sk", str(bad), "--rho", "1.0"])
    with pytest.raises(SystemExit, match="cannot read"):
        main(["mct", "solve", "--sk", str(tmp_path / "missing.txt"), "--rho", "1.0"])
