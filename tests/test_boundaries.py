"""Issue 29: no silent wrong answer at the CLI boundary.  Each case runs the real CLI and expects its
exit code, one `glassdyn: error:` line naming the problem, and nothing written."""
import numpy as np
import pytest

from conftest import cli_fails
from glassdyn.workflows.campaign import shipped_store

T = np.geomspace(1e-2, 1e2, 41)


def _table(path, t, F):
    np.savetxt(path, np.c_[t, F])
    return path


def _exact_memory_cases(tmp):
    rng = np.random.default_rng(0)
    t4 = np.array([0.1, 1.0, 3.0, 10.0])
    return [
        ("4 points of exp(-t)", _table(tmp / "few.txt", t4, np.exp(-t4)), [], "needs at least 8 points"),
        ("F above F(0)", _table(tmp / "up.txt", T, 1.2 * np.exp(-T)), [], "rises above F.0."),
        ("F0 negative", _table(tmp / "e.txt", T, np.exp(-T)), ["--f0", "-1"], "F0 must be finite and positive"),
        ("noisy data as exact", _table(tmp / "noisy.txt", T, np.exp(-T) + 0.01 * rng.normal(size=T.size)), [],
         "look noisy .* give their noise level"),
        ("no decay", _table(tmp / "flat.txt", T, np.ones_like(T)), [], "does not decay within the data"),
    ]


@pytest.mark.parametrize("case", range(5))
def test_exact_memory_refuses_what_it_cannot_invert(tmp_path, case):
    name, target, extra, match = _exact_memory_cases(tmp_path)[case]
    out = tmp_path / "out"
    cli_fails(["mct", "exact-memory", "--target", target, "--omega2", "1", *extra, "--out", out], match, code=2)
    assert not out.exists(), name


def test_exact_memory_of_a_memoryless_correlator_is_undetermined(tmp_path, capsys):
    """exp(-t) has memory 0: every inverted value lies within its error estimate, and the summary
    says so instead of printing a confident M."""
    from glassdyn.cli import main

    target = _table(tmp_path / "e.txt", T, np.exp(-T))
    assert main(["mct", "exact-memory", "--target", str(target), "--omega2", "1", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "M(t_1) = [undetermined]" in out and "UNDETERMINED" in out


@pytest.mark.parametrize("argv, match", [
    (["--transferable", "--store", "{s}", "{s}"], "the same store is given twice"),
    (["--transferable", "--store", "{s}", "--ensemble", "3"], "--ensemble does not apply to --transferable"),
    (["--transferable", "--store", "{s}", "--times", "20"], "--times does not apply to --transferable"),
    (["--transferable", "--store", "{s}", "--epoch-scale", "0"], "epoch_scale must be a positive number"),
    (["--transferable", "--store", "{s}", "--n-times", "0"], "n_times must be at least 1"),
    (["--transferable", "--store", "{s}"], "needs stores at two or more temperatures"),
    (["--store", "{s}", "--epoch-scale", "-1"], "epoch_scale must be a positive number"),
])
def test_train_refuses_what_cannot_be_learnt(tmp_path, argv, match):
    store = str(shipped_store("ka2d-T0.45"))
    out = tmp_path / "m"
    cli_fails(["train", *[a.format(s=store) for a in argv], "--out", out, "--quiet"], match, code=2)
    assert not out.exists()


@pytest.mark.parametrize("argv, match", [
    (["simulate", "--preset", "quick", "--workers", "0"], "--workers must be at least 1"),
    (["simulate", "--preset", "quick", "--workers", "-1"], "--workers must be at least 1"),
    (["simulate", "--preset", "quick", "--max-units", "-1"], "--max-units must be at least 1"),
])
def test_campaign_options_are_checked(tmp_path, argv, match):
    cli_fails([*argv, "--out", tmp_path / "s.h5"], match, code=2)
    assert not (tmp_path / "s.h5").exists()


@pytest.mark.parametrize("rows", [1, 2])
def test_a_structure_factor_of_a_few_rows_is_refused(tmp_path, rows):
    sk = tmp_path / "sk.txt"
    np.savetxt(sk, np.c_[np.arange(1, rows + 1) * 0.4, np.ones(rows)])
    cli_fails(["mct", "solve", "--sk", sk, "--rho", "1.0", "--out", tmp_path / "o"], "rows of S.k.", code=1)


def test_report_of_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    cli_fails(["report", tmp_path / "empty"], "nothing to report", code=1)
    assert not (tmp_path / "empty" / "report.html").exists()
