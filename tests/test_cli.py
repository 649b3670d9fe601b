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
