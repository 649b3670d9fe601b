"""GlassBench: the reader on the two shared KA2D files, conversion to a campaign store with labels
checked against a direct calculation, and train / evaluate on a converted store beside the
roadmap's published scores (skipped without ../shared)."""
import json
import shutil

import numpy as np
import pytest
from conftest import SHARED

from glassdyn.cli import main
from glassdyn.io.glassbench import published_scores, read_glassbench
from glassdyn.systems import get_potential
from glassdyn.workflows import read_store
from conftest import cli_fails

GB = SHARED / "external" / "glassbench_ka2d"
T030 = GB / "T0.30" / "train" / "N1290T0.30_3_tc01.npz"
T023 = GB / "T0.23" / "test" / "N1290T0.23_202_tc05.npz"
pytestmark = pytest.mark.skipif(not GB.is_dir(), reason="../shared/external not present")


def test_reader_on_the_real_layout():
    a, b = read_glassbench(T030), read_glassbench(T023)
    assert (a.system, a.temperature, a.structure, a.time_code, a.time, a.split) == ("KA2D", 0.3, 3, 1, 0.11, "train")
    assert (b.temperature, b.structure, b.time_code, b.time, b.split) == (0.23, 202, 5, 0.1, "test")
    assert a.inherent is None and b.inherent is not None
    assert a.replicas.shape == (20, 1290, 2) and np.bincount(a.initial.types).tolist() == [600, 330, 360]
    assert np.all((a.initial.positions >= 0) & (a.initial.positions < a.initial.box))
    e = get_potential("ka2d").compute(b.inherent).per_particle.mean()
    assert -3.0 < e < -2.8  # an inherent structure of KA2D


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "N1290T0.30_1_tc01.npz"
    bad.write_bytes(b"junk")
    with pytest.raises(ValueError, match="unreadable or corrupt npz"):
        read_glassbench(bad)
    with pytest.raises(ValueError, match="not a GlassBench file name"):
        read_glassbench(tmp_path / "other.npz")
    odd = tmp_path / "N1290T0.77_1_tc01.npz"
    shutil.copy(T030, odd)
    with pytest.raises(ValueError, match="no GlassBench time for KA2D T = 0.77"):
        read_glassbench(odd)


def test_conversion_labels_equal_a_direct_calculation(tmp_path):
    folder = tmp_path / "T0.23" / "test"
    folder.mkdir(parents=True)
    shutil.copy(T023, folder)
    out = tmp_path / "gb.h5"
    assert main(["glassbench", str(tmp_path / "T0.23"), "--out", str(out), "--quiet"]) == 0
    store = read_store(out)
    f = read_glassbench(T023)
    np.testing.assert_allclose(store["inherent"][0], f.inherent.positions)  # used as given, not quenched
    assert json.loads(store["attrs"]["split"])["test"] == [0]
    np.testing.assert_allclose(store["label"]["times"], [0.1])
    sigma = get_potential("ka2d").sigma
    x0, xt, box = f.initial_unwrapped, f.replicas, f.initial.box
    for i in (0, 600, 1289):
        d0 = x0 - x0[i]
        d0 -= box * np.rint(d0 / box)
        s = sigma[f.initial.types[i], f.initial.types]
        nb = np.flatnonzero((np.linalg.norm(d0, axis=1) < 1.4 * s) & (np.arange(1290) != i))
        cb = []
        for r in range(20):
            dt = xt[r, nb] - xt[r, i]
            dt -= box * np.rint(dt / box)
            cb.append(np.mean(np.linalg.norm(dt, axis=1) < 1.8 * s[nb]))
        assert store["label"]["bond_breaking"][0, 0, i] == pytest.approx(np.mean(cb), abs=1e-12)
        disp = np.linalg.norm(xt[:, i] - x0[i], axis=1)
        assert store["label"]["displacement"][0, 0, i] == pytest.approx(disp.mean(), rel=1e-12)
        assert store["label"]["displacement_var"][0, 0, i] == pytest.approx(disp.var(ddof=1), rel=1e-10)


def test_train_and_evaluate_on_a_converted_store_beside_published_scores(tmp_path, capsys):
    """Plumbing on copies of one real file (shifted periodically, renamed to time code 5, t = 1781.79,
    where the roadmap publishes KA2D T = 0.30 scores; displacement labels: at the file's real time,
    t = 0.11, no bond of species 0 has broken, and GlassMLP refuses constant labels): the data set's
    own train/test split is used, and the published rows are printed and written beside ours."""
    data = dict(np.load(T030))
    rng = np.random.default_rng(0)
    for k in range(7):
        split = "test" if k >= 5 else "train"
        (tmp_path / "gb" / split).mkdir(parents=True, exist_ok=True)
        shift = rng.uniform(0, data["box"], 2)
        np.savez(tmp_path / "gb" / split / f"N1290T0.30_{k}_tc05.npz", types=data["types"], box=data["box"],
                 initial_positions=data["initial_positions"] + shift, positions=data["positions"] + shift)
    store = tmp_path / "gb.h5"
    assert main(["glassbench", str(tmp_path / "gb"), "--out", str(store), "--quiet"]) == 0
    assert json.loads(read_store(store)["attrs"]["campaign"])["quenched"] == 7
    cli_fails(["train", "--store", str(store), "--out", str(tmp_path / "m0"), "--epoch-scale", "0.01", "--quiet"], "labels are constant")
    assert main(["train", "--store", str(store), "--out", str(tmp_path / "m"), "--epoch-scale", "0.01",
                 "--label", "displacement", "--quiet"]) == 0
    meta = json.loads((tmp_path / "m" / "models.json").read_text())
    assert meta["split"]["test"] == [5, 6] and len(meta["split"]["validation"]) == 1
    capsys.readouterr()
    assert main(["evaluate", "--models", str(tmp_path / "m"), "--store", str(store), "--out",
                 str(tmp_path / "ev")]) == 0
    out = capsys.readouterr().out
    assert "GlassBench published pooled rho (KA2D_results/FIG3.dat)" in out and "GlassMLP 0.673" in out
    summary = (tmp_path / "ev" / "summary.md").read_text()
    assert "Nature Reviews Physics" in summary and "| 1782 |" in summary


def test_published_scores_table():
    pub = published_scores("KA2D", 0.30, "bond_breaking")
    row = next(r for r in pub["rows"] if r[0] == 1781.79)
    assert dict(zip(pub["columns"], row))["GlassMLP"] == pytest.approx(0.666, abs=1e-3)
    assert published_scores("KA", 0.44, "displacement")["rows"][6][0] == 4120.0
    assert published_scores("KA2D", 0.23, "bond_breaking") is None


def test_bad_glassbench_content_is_refused(tmp_path):
    """issue 29 §7: non-integer types, a box of the wrong shape, mixed N, an existing --out, a store
    without a validation structure (train refuses it before any work)."""
    data = dict(np.load(T030))
    bad = tmp_path / "types" / "N1290T0.30_1_tc01.npz"
    bad.parent.mkdir()
    np.savez(bad, **dict(data, types=data["types"] + 0.5))
    with pytest.raises(ValueError, match="types must be integers"):
        read_glassbench(bad)
    box = tmp_path / "box" / "N1290T0.30_1_tc01.npz"
    box.parent.mkdir()
    np.savez(box, **dict(data, box=np.array([32.9, 30.0, 1.0])))
    with pytest.raises(ValueError, match="box must be one positive length or 2"):
        read_glassbench(box)
    ok = read_glassbench(T030)
    np.savez(box, **dict(data, box=np.full(2, float(data["box"]))))
    np.testing.assert_array_equal(read_glassbench(box).initial.box, ok.initial.box)
    mixed = tmp_path / "mixed" / "train"
    mixed.mkdir(parents=True)
    shutil.copy(T030, mixed / "N1290T0.30_1_tc01.npz")
    keep = data["types"] == data["types"].min()
    idx = np.flatnonzero(keep)[:600].tolist() + np.flatnonzero(~keep)[:45].tolist()
    np.savez(mixed / "N645T0.30_2_tc01.npz", types=data["types"][idx], box=data["box"],
             initial_positions=data["initial_positions"][idx], positions=data["positions"][:, idx])
    cli_fails(["glassbench", str(tmp_path / "mixed"), "--out", str(tmp_path / "m.h5"), "--quiet"],
              "different particle numbers", code=1)
    one = tmp_path / "one" / "train"
    one.mkdir(parents=True)
    shutil.copy(T030, one / "N1290T0.30_1_tc01.npz")
    out = tmp_path / "one.h5"
    assert main(["glassbench", str(tmp_path / "one"), "--out", str(out), "--quiet"]) == 0
    cli_fails(["glassbench", str(tmp_path / "one"), "--out", str(out), "--quiet"], "exists: choose another --out",
              code=2)
    cli_fails(["train", "--store", str(out), "--out", str(tmp_path / "m"), "--quiet"], "empty training or validation",
              code=2)
