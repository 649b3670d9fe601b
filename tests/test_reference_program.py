"""The GlassMLP route against the reference program (StructDynGlass) on its own KA2D sample, and
the command-line analyses that must not return silently wrong numbers (skipped without ../shared).
The descriptor regression lives in test_descriptors."""
import numpy as np
import pytest
from conftest import SHARED

from glassdyn.cli import main
from glassdyn.dynamics import BondBreaking
from glassdyn.io import read_trajectory
from glassdyn.systems import get_system
from conftest import cli_fails

SAMPLE = SHARED / "external" / "structdynglass_ka2d"
pytestmark = pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/external not present")
RUNS = [str(SAMPLE / c / f"{r}.xyz") for c in ("Cnf-100000", "Cnf-200000") for r in (1, 2)]


def _read_reference_isoconf():
    """Frames of struct_isoconf_0.xyz: list of (header, rows (1290, 7))."""
    lines = (SAMPLE / "reference_structure0" / "struct_isoconf_0.xyz").read_text().splitlines()
    frames, i = [], 0
    while i < len(lines):
        n = int(lines[i])
        frames.append((lines[i + 1], np.array([[float(x) for x in ln.split()] for ln in lines[i + 2:i + 2 + n]])))
        i += 2 + n
    return frames


def test_isoconfigurational_labels_equal_the_reference(tmp_path, capsys):
    """C_B (1.4 / 1.8 sigma_ab), displacement magnitudes and per-particle tau_BB of structure 0,
    averaged over its two runs, against the reference program's output (6 digits)."""
    assert main(["analyse", "dynamics", *RUNS[:2], "--dt", "0.01", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    ours = np.load(tmp_path / "dynamics.npz")
    ref = _read_reference_isoconf()
    assert len(ref) == 42
    for k in range(1, 42):
        rows = ref[k - 1][1]
        np.testing.assert_allclose(ours["bond_breaking"][k], rows[:, 3], atol=1e-6)
        np.testing.assert_allclose(ours["displacement"][k], rows[:, 5], rtol=1e-5, atol=1e-6)
    tau = ours["tau_bb_particle"]
    crossed = np.isfinite(tau)
    assert 300 < crossed.sum() < 400  # the run ends before most particles relax
    np.testing.assert_allclose(tau[crossed], 10 ** ref[-1][1][crossed, 3], rtol=2e-5)
    assert f"{int((~crossed).sum())} of 1290 particles never cross" in out


def test_heterogeneity_uses_each_configurations_own_types(tmp_path):
    """Structure 2's particles re-ordered (types in another order): chi4 equals the value from an
    independent calculation on the original files."""
    perm_dir = tmp_path / "perm"
    perm_dir.mkdir()
    perm = np.random.default_rng(3).permutation(1290)
    files = RUNS[:2]
    for r in (1, 2):
        lines = (SAMPLE / "Cnf-200000" / f"{r}.xyz").read_text().splitlines()
        out, i = [], 0
        while i < len(lines):
            out += lines[i:i + 9]
            body = lines[i + 9:i + 9 + 1290]
            out += [body[j] for j in perm]
            i += 9 + 1290
        (perm_dir / f"{r}.xyz").write_text("\n".join(out) + "\n")
        files.append(str(perm_dir / f"{r}.xyz"))
    assert main(["analyse", "heterogeneity", *files, "--replicas", "2", "--dt", "0.01",
                 "--out", str(tmp_path / "het")]) == 0
    chi4 = np.load(tmp_path / "het" / "heterogeneity.npz")["chi4"]
    sigma = get_system("ka2d").potential.sigma
    cbar = []
    for c in range(2):
        trajs = [read_trajectory(p) for p in RUNS[2 * c:2 * c + 2]]
        cb = np.mean([BondBreaking(sigma).compute(trajs[0].frame(0), t.positions).values for t in trajs], axis=0)
        cbar.append(cb[:, trajs[0].types == 0].mean(axis=1))
    expected = 600 * np.var(np.array(cbar), axis=0)
    np.testing.assert_allclose(chi4, expected, rtol=1e-10, atol=1e-14)


def test_dynamics_refuses_replicas_of_different_structures(tmp_path):
    cli_fails(["analyse", "dynamics", RUNS[0], RUNS[2], "--dt", "0.01", "--out", str(tmp_path)], "not replicas of one configuration")
    # same particles and types, but a frame 0 that is not the other run's
    lines = (SAMPLE / "Cnf-100000" / "2.xyz").read_text().splitlines()
    lines[9:9 + 1290] = lines[9 + 1299:9 + 1299 + 1290]
    moved = tmp_path / "moved.xyz"
    moved.write_text("\n".join(lines) + "\n")
    cli_fails(["analyse", "dynamics", RUNS[0], str(moved), "--dt", "0.01", "--out", str(tmp_path)], r"moved.xyz and .*1.xyz do not share frame 0")


def test_heterogeneity_says_when_the_s4_fit_is_undetermined_and_times_are_steps(tmp_path, capsys):
    assert main(["analyse", "heterogeneity", *RUNS, "--replicas", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "times are MD steps" in out and "MD steps;" in out
    assert "S4 fit undetermined" in out and "e+10" not in out  # 2 configurations: S4 is noise
    from glassdyn.io.provenance import read_provenance

    prov = read_provenance(tmp_path / "heterogeneity.npz")["parameters"]
    assert prov["time_unit"] == "t [MD steps]"
    assert prov["fit"]["xi_err"] > prov["fit"]["xi"]


def test_describe_quench_needs_a_potential_and_frames_exist(tmp_path):
    cli_fails(["describe", RUNS[0], "--quench", "--out", str(tmp_path)], "--quench needs --potential")
    cli_fails(["describe", RUNS[0], "--frame", "42", "--out", str(tmp_path)], "frame 42 does not exist: the file has 42 frames")
