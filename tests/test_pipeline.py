"""End to end: `glassdyn demo` at reduced size, then train / predict / evaluate on its store."""
import json

import numpy as np
import pytest

from glassdyn.cli import main
from conftest import SHARED, cli_fails

GLASSBENCH = SHARED / "external" / "glassbench_ka2d"

# the shipped T = 0.45 store: Ridge reaches rho_P 0.49 at t = 1000, the noise ceiling is 0.79 at t = 2.5
# (a store with the species bug of session 4 gave 0.36; the quick preset at T = 0.6: ~0.2-0.3)
RIDGE_MIN, RHO_MAX_MIN = 0.42, 0.7
FIGURES = ["rho_p.png", "distributions.png", "chi4.png", "s4.png", "g4.png", "snapshots.png"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--configurations", "6", "--replicas", "2", "--times", "2",
                 "--epoch-scale", "0.02", "--collective-epochs", "3", "--workers", "2", "--quiet"]) == 0
    return out


def test_demo_writes_every_figure_and_the_table(demo):
    for name in FIGURES:
        assert (demo / "figures" / name).stat().st_size > 5000, name
    table = (demo / "figures" / "summary.md").read_text()
    for source in ("MD", "GlassMLP", "MLP(mae)", "Ridge"):
        assert f"| {source} |" in table
    assert "| Jung 2023 claim | held | measured |" in table
    claims = (demo / "claims.md").read_text()  # both data sets, with their regime
    assert "| Jung 2023 claim | fresh simulation (T = 0.6) | shipped store (T = 0.45) |" in claims
    assert "chi4(t*) of GlassMLP closer to MD" in claims and "tau_alpha^BB = 758" in claims
    assert (demo / "ka2d-T0.45" / "figures" / "chi4.png").stat().st_size > 5000
    summary = json.loads((demo / "demo_summary.json").read_text())
    assert summary["preset"]["campaign"]["n_configurations"] == 6
    rho = summary["rho_p"]
    assert set(rho) == {"GlassMLP", "MLP(mae)", "Ridge"}
    assert all(-1 <= r <= 1 for v in rho.values() for r in v)
    meta = json.loads((demo / "models" / "models.json").read_text())
    split = meta["split"]
    assert not set(split["train"]) & set(split["test"]) and not set(split["validation"]) & set(split["test"])
    assert meta["definition"]["cutoff"] == 20.0 and meta["definition"]["kind"] == "glassmlp-jung2023"
    # collective part on the shipped library: figures, R² table, T_mct at rho = 1.2
    for name in ("fs_test_states.png", "r2_vs_temperature.png", "summary.md", "fsmlp.npz"):
        assert (demo / "collective" / name).stat().st_size > 500, name
    tmct = summary["collective"]["tmct_rho1_2"]
    assert 0.8 < tmct["lj"] < 1.0 and 0.6 < tmct["wca"] < 0.85  # paper Table I: 0.90, 0.74


def test_store_species_match_every_configuration(demo):
    """Swap MC moves species between particle indices; the store's single species array must be
    right for every configuration: energies recomputed with it equal the stored inherent-structure
    energies (a store that used configuration 0's species for all gave E/N ~ +0.1 instead of -2.9)."""
    from glassdyn.systems import Configuration, get_potential
    from glassdyn.workflows import read_store

    store = read_store(demo / "quick.h5")
    pot = get_potential("ka2d")
    for c in range(len(store["inherent"])):
        e = pot.compute(Configuration(store["inherent"][c], store["types"], store["attrs"]["box"])).per_particle
        np.testing.assert_allclose(e, store["energy_per_particle"][c], atol=1e-8, err_msg=f"configuration {c}")


def test_predict_matches_evaluation_and_rerun_resumes(demo, tmp_path):
    assert main(["predict", "--models", str(demo / "models"), "--store", str(demo / "quick.h5"),
                 "--out", str(tmp_path / "p.npz")]) == 0
    p = np.load(tmp_path / "p.npz")
    ev = np.load(demo / "figures" / "predictions.npz")
    idx = ev["configurations"]
    mask = p["types"] == 0
    np.testing.assert_allclose(p["glassmlp"][idx][:, :, mask], ev["glassmlp"][:, :, mask], rtol=1e-6)
    assert np.all(np.isnan(p["glassmlp"][:, :, ~mask]))  # other species are not predicted


def test_predict_on_a_trajectory_file(demo, tmp_path):
    from glassdyn.io import Trajectory
    from glassdyn.io.gsd_xyz import write_extxyz
    from glassdyn.workflows import read_store

    store = read_store(demo / "quick.h5")
    write_extxyz(tmp_path / "c.xyz", Trajectory(store["positions"][:1], store["types"], store["attrs"]["box"],
                                                steps=np.zeros(1), unwrapped=False))
    assert main(["predict", str(tmp_path / "c.xyz"), "--models", str(demo / "models"), "--potential", "ka2d",
                 "--out", str(tmp_path / "q.npz")]) == 0
    q = np.load(tmp_path / "q.npz")
    p_store = main(["predict", "--models", str(demo / "models"), "--store", str(demo / "quick.h5"),
                    "--out", str(tmp_path / "p.npz")])
    assert p_store == 0
    p = np.load(tmp_path / "p.npz")
    mask = q["types"] == 0
    # same configuration, quenched again by FIRE: the same inherent structure up to tiny differences
    r = np.corrcoef(q["glassmlp"][0, -1, mask], p["glassmlp"][0, -1, mask])[0, 1]
    assert r > 0.99
    cli_fails(["predict", str(tmp_path / "c.xyz"), "--models", str(demo / "models"), "--potential", "ka3d"], "is 3D but the configuration is 2D")


def test_bad_model_folder_and_store(demo, tmp_path):
    cli_fails(["evaluate", "--models", str(tmp_path), "--store", str(demo / "quick.h5")], "not a glassdyn model folder")
    (tmp_path / "x.h5").write_bytes(b"junk")
    cli_fails(["train", "--store", str(tmp_path / "x.h5"), "--out", str(tmp_path / "m")], "unreadable or corrupt")


def test_train_noise_corrected_and_overlap_options(demo, tmp_path):
    import shutil

    import h5py

    from glassdyn.workflows import read_store

    store = demo / "quick.h5"
    out = tmp_path / "m"
    data = read_store(store)  # the time where the 2-replica labels carry the most signal over their noise
    noise = data["label"]["displacement_var"][:, 1:].mean(2) / 2
    t = 1 + int(np.argmin((noise / data["label"]["displacement"][:, 1:].var(2)).max(0)))
    assert main(["train", "--store", str(store), "--out", str(out), "--label", "displacement", "--times", str(t),
                 "--epoch-scale", "0.01", "--no-baselines", "--noise-corrected", "--observable", "field",
                 "--ensemble", "2", "--quiet"]) == 0
    meta = json.loads((out / "models.json").read_text())
    assert meta["noise_corrected"] and meta["observable"] == "field" and meta["distances"] == [2.0, 5.0, 8.0]
    assert meta["ensemble"] == 2 and meta["protocol"] == "reference"  # the reference program's shells
    assert main(["predict", "--models", str(out), "--store", str(store), "--out", str(tmp_path / "p.npz")]) == 0
    assert np.isfinite(np.load(tmp_path / "p.npz")["glassmlp"][:, :, data["types"] == 0]).all()
    assert main(["train", "--store", str(store), "--out", str(tmp_path / "o"), "--label", "displacement",
                 "--times", str(t), "--epoch-scale", "0.01", "--no-baselines", "--quiet"]) == 0
    assert json.loads((tmp_path / "o" / "models.json").read_text())["observable"] == "overlap"  # paper SM VI
    assert main(["train", "--store", str(store), "--out", str(tmp_path / "pp"), "--times", str(t), "--protocol",
                 "paper", "--label", "displacement", "--epoch-scale", "0.01", "--no-baselines", "--quiet"]) == 0
    assert json.loads((tmp_path / "pp" / "models.json").read_text())["distances"] == [2.0, 4.0, 6.0]
    cli_fails(["train", "--store", str(store), "--out", str(tmp_path / "x"), "--label", "displacement",
               "--times", str(t), "--epoch-scale", "0.01", "--no-baselines", "--noise-corrected", "--quiet"], "cannot correct the smooth-overlap")
    old = tmp_path / "old.h5"  # a store without replica variances
    shutil.copy(store, old)
    with h5py.File(old, "a") as h:
        del h["label/bond_breaking_var"], h["label/displacement_var"]
    cli_fails(["train", "--store", str(old), "--out", str(tmp_path / "y"), "--times", str(t),
               "--epoch-scale", "0.01", "--no-baselines", "--noise-corrected", "--quiet"], "needs the replica variances")


def test_compact_store_round_trip(demo, tmp_path):
    from glassdyn.workflows import compact_store, read_store

    src = read_store(demo / "quick.h5")
    dst = compact_store(demo / "quick.h5", tmp_path / "c.h5", "glassdyn demo (test)")
    out = read_store(dst)
    assert out["attrs"]["generated_by"] == "glassdyn demo (test)"
    np.testing.assert_array_equal(out["inherent"], src["inherent"])  # positions stay float64
    for k, v in src["label"].items():
        np.testing.assert_allclose(out["label"][k], v, rtol=1e-6, atol=1e-7)
    assert out["label"]["bond_breaking"].dtype == np.float32


def test_demo_on_the_shipped_dataset(tmp_path):
    """The shipped low-temperature KA2D store: training and evaluation without simulation; its
    labels carry signal (Ridge and the noise ceiling well above the quick preset's)."""
    out = tmp_path / "d"
    assert main(["demo", "--dataset", "ka2d-T0.45", "--out", str(out), "--times", "2", "--epoch-scale", "0.02",
                 "--skip-collective", "--quiet"]) == 0
    for name in FIGURES:
        assert (out / "figures" / name).stat().st_size > 5000, name
    summary = json.loads((out / "demo_summary.json").read_text())
    assert summary["dataset"] == "ka2d-T0.45" and summary["seconds"]["simulate"] == 0.0
    assert max(summary["rho_p"]["Ridge"]) > RIDGE_MIN and max(summary["rho_max"]) > RHO_MAX_MIN
    cli_fails(["demo", "--dataset", "ka2d-T0.1", "--out", str(out)], "unknown shipped data set")
    cli_fails(["demo", "--dataset", "ka2d-T0.45", "--replicas", "3", "--out", str(out)], "not to a shipped")


@pytest.fixture(scope="module")
def transferable(demo, tmp_path_factory):
    """GlassMLP models with the cut-off at half the training box (box-independent descriptors)."""
    out = tmp_path_factory.mktemp("transferable")
    assert main(["train", "--store", str(demo / "quick.h5"), "--out", str(out), "--times", "12", "23",
                 "--epoch-scale", "0.02", "--cutoff", str(32.896 / 2), "--quiet"]) == 0
    return out


def test_transfer_is_consistent_with_tiling(demo, transferable):
    """With the cut-off at half the training box a model applied to a 2x2 tiling of a training-size
    configuration predicts the same propensities as on the original; with the reference cut-off
    (20 > L/2) the descriptors depend on the box and transfer is refused."""
    from glassdyn.structure import GlassMLPDescriptors
    from glassdyn.systems import Configuration
    from glassdyn.workflows import read_store
    from glassdyn.workflows.learning import load_models, predict

    store = read_store(demo / "quick.h5")
    meta, _ = load_models(transferable)
    c = meta["split"]["test"][0]
    x, e, types, box = store["inherent"][c], store["energy_per_particle"][c], store["types"], store["attrs"]["box"]
    desc = GlassMLPDescriptors(cutoff=meta["definition"]["cutoff"], n_species=3, radii=meta["definition"]["radii"])
    small = desc.compute(Configuration(x, types, box), per_particle_energy=e).features
    shifts = [np.array([i, j]) * box for i in range(2) for j in range(2)]
    big = Configuration(np.concatenate([x + s for s in shifts]), np.tile(types, 4), 2 * np.asarray(box))
    large = desc.compute(big, per_particle_energy=np.tile(e, 4)).features
    definition = desc.definition()
    p_small = predict(transferable, small[None], definition)["glassmlp"][0]
    p_large = predict(transferable, large[None], definition)["glassmlp"][0]
    n = len(x)
    for k in range(4):
        np.testing.assert_allclose(p_large[:, k * n:(k + 1) * n], p_small, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="definition differs"):
        predict(transferable, small[None], dict(definition, cutoff=20.0))
    cli_fails(["transfer", "--models", str(demo / "models"), "--tile", "2", "--out", "unused"], "depend on the box size")


def test_transfer_command_on_a_larger_system(transferable, tmp_path):
    out = tmp_path / "big"
    assert main(["transfer", "--models", str(transferable), "--tile", "2", "--configurations", "2",
                 "--out", str(out)]) == 0
    res = np.load(out / "transfer.npz")
    assert res["positions"].shape == (2, 4 * 1290, 2)
    mask = res["types"] == 0
    assert np.isfinite(res["glassmlp"][:, :, mask]).all() and np.isnan(res["glassmlp"][:, :, ~mask]).all()
    assert (out / "transfer_s4.png").stat().st_size > 5000
    assert (out / "transfer.md").read_text().startswith("| model | t | S4(q_min)")


def test_evaluation_recognises_the_training_store_by_content(demo, tmp_path):
    """A moved or copied training store is still evaluated on the test split only; training
    configurations and indices outside the store are refused (models.json once matched by path)."""
    import shutil

    copy = tmp_path / "moved.h5"
    shutil.copy(demo / "quick.h5", copy)
    meta = json.loads((demo / "models" / "models.json").read_text())
    assert main(["evaluate", "--models", str(demo / "models"), "--store", str(copy),
                 "--out", str(tmp_path / "ev")]) == 0
    assert np.load(tmp_path / "ev" / "predictions.npz")["configurations"].tolist() == meta["split"]["test"]
    for bad, message in ((meta["split"]["train"][:1], "own training data"), ([0, 99], "store has configurations"),
                         ([-1], "store has configurations")):
        cli_fails(["evaluate", "--models", str(demo / "models"), "--store", str(copy), "--configurations",
                   *map(str, bad), "--out", str(tmp_path / "ev2")], message)


def test_every_file_of_the_demo_carries_provenance(demo):
    """One stamp on every file the demo writes (stores, models, tables, predictions, summaries, report):
    glassdyn version, command line, time, parameters; the campaign store records the full system."""
    from glassdyn import __version__
    from glassdyn.io.provenance import read_provenance

    files = [p for p in demo.rglob("*") if p.suffix in (".npz", ".json", ".md", ".h5", ".html")
             and ".units" not in str(p)]
    assert len(files) >= 25, files
    for path in files:
        stamp = read_provenance(path)
        assert stamp["glassdyn"] == __version__ and stamp["command"] and stamp["created"], path
    store = read_provenance(demo / "quick.h5")
    assert store["command"].startswith("glassdyn demo --out ")  # the CLI's argv, also in-process
    assert store["parameters"]["system"]["potential"]["kind"] == "lennard_jones"
    assert store["seeds"] == 1
    models = read_provenance(demo / "models" / "models.json")
    assert list(models["inputs"]) == [str(demo / "quick.h5")] and len(models["inputs"][str(demo / "quick.h5")]) == 64


CHROMIUM = next(filter(None, map(__import__("shutil").which, ("chromium", "chromium-browser"))), None)
_PROBE = ("<script>window.addEventListener('load',()=>{const im=[...document.images];document.body.setAttribute("
          "'data-probe',JSON.stringify({n:im.length,ok:im.filter(i=>i.complete&&i.naturalWidth>0).length,"
          "errors:window.__errors}))});</script></body>")


def _browse(html_path, tmp_path):
    """Load a page in headless chromium with a probe: (number of images, rendered images, JS errors,
    console lines of chromium's log)."""
    import html
    import re
    import subprocess

    probe = tmp_path / f"probe_{html_path.stem}.html"
    text = html_path.read_text().replace(
        "<head>", "<head><script>window.__errors=[];window.addEventListener('error',e=>window.__errors.push("
        "String(e.message)))</script>", 1)
    probe.write_text(text.replace("</body>", _PROBE, 1))
    res = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                          "--v=0", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=180)
    found = re.search(r'data-probe="([^"]*)"', res.stdout)
    assert found, res.stderr[-2000:]
    data = json.loads(html.unescape(found.group(1)))
    console = [line for line in res.stderr.splitlines() if "CONSOLE" in line]
    return data["n"], data["ok"], data["errors"], console


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_report_renders_in_a_headless_browser(demo, tmp_path):
    """report.html: every figure of the run embedded and rendered, no JS or console errors, a non-blank
    screenshot; the probe itself catches a broken image and a script error (negative control)."""
    import subprocess

    import matplotlib.image

    report = demo / "report.html"
    pngs = [p for p in demo.rglob("*.png") if ".units" not in str(p)]
    text = report.read_text()
    assert text.count("<img ") == len(pngs) >= 10
    assert "Seed claims" in text and "Collective route" in text and "Provenance" in text
    n, ok, errors, console = _browse(report, tmp_path)
    assert n == ok == len(pngs) and errors == [] and console == [], (n, ok, errors, console)
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><head></head><body><img src='data:image/png;base64,AAAA'>"
                      "<script>undefined_function()</script></body></html>")
    n, ok, errors, console = _browse(broken, tmp_path)
    assert (n, ok) == (1, 0) and errors and console
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1280,3000", report.as_uri()], capture_output=True, timeout=180, check=True)
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 3000 and pixels[..., :3].std() > 0.05


# ------------------------------------------------------------------ temperature transfer (issue 19)
def _subset_store(src, dst, n):
    """The first n configurations of a campaign store, as a store of its own (the system recorded as
    the source records it: the shipped store predates potentials recording their kind)."""
    import h5py

    from glassdyn.io.stores import read_store
    from glassdyn.systems.presets import SystemPreset
    from glassdyn.workflows.campaign import write_store

    s = read_store(src)
    labels = {k: np.asarray(v)[:n] for k, v in s.label.items() if np.ndim(v) == 3}
    write_store(dst, SystemPreset.from_dict(s.system), s.temperature, 0, s.attrs["campaign"], s.types,
                s.positions[:n], list(zip(s.inherent[:n], s.energy_per_particle[:n])), s.label["steps"], labels,
                s.replicas_done[:n], {}, {})
    with h5py.File(dst, "a") as h:
        h.attrs["system"] = s.attrs["system"]
    return dst


@pytest.fixture(scope="module")
def two_temperatures(demo, tmp_path_factory):
    """One temperature-transferable model trained on the demo store (T = 0.6) and 6 configurations
    of the shipped T = 0.45 store."""
    from glassdyn.workflows.campaign import shipped_store

    out = tmp_path_factory.mktemp("two_temperatures")
    low = _subset_store(shipped_store("ka2d-T0.45"), out / "t045.h5", 6)
    assert main(["train", "--store", str(demo / "quick.h5"), str(low), "--transferable", "--n-times", "3",
                 "--epoch-scale", "0.01", "--out", str(out / "models"), "--quiet"]) == 0
    return out


def test_temperature_transferable_folder(two_temperatures, demo, tmp_path):
    models = two_temperatures / "models"
    meta = json.loads((models / "models.json").read_text())
    assert meta["kind"] == "transferable" and meta["training_temperatures"] == [0.45, 0.6]
    assert [len(s["time_indices"]) for s in meta["stores"]] == [3, 3]
    assert 100 < meta["tau_alpha_bb"]["0.6"] < 400 and 500 < meta["tau_alpha_bb"]["0.45"] < 1200
    # inside the training range: no extrapolation; the store's temperature by default
    out = tmp_path / "p.npz"
    assert main(["predict", "--models", str(models), "--store", str(demo / "quick.h5"), "--time", "10", "100",
                 "--out", str(out)]) == 0
    p = np.load(out)
    mask = p["types"] == 0
    assert p["prediction"].shape == (6, 2, 1290) and float(p["temperature"]) == 0.6 and not p["extrapolates"]
    assert np.isfinite(p["prediction"][:, :, mask]).all() and np.isnan(p["prediction"][:, :, ~mask]).all()
    np.testing.assert_allclose(p["training_temperatures"], [0.45, 0.6])
    # evaluation on the configurations it never saw, at the store's own temperature and times
    from glassdyn.workflows.learning import evaluate_store

    ev = evaluate_store(models, demo / "quick.h5", tmp_path / "eval")
    assert "GlassMLP(T)" in ev.results["rho"] and (tmp_path / "eval" / "summary.md").exists()
    # refusals, one line each
    cli_fails(["predict", "--models", str(models), "--store", str(demo / "quick.h5")], "give --time", code=2)
    cli_fails(["predict", "--models", str(demo / "models"), "--store", str(demo / "quick.h5"), "--temperature",
               "0.3"], "--temperature / --tau need --time", code=2)
    cli_fails(["train", "--store", str(demo / "quick.h5"), str(demo / "quick.h5"), "--out", str(tmp_path / "x")],
              "add --transferable", code=2)


@pytest.mark.skipif(not (GLASSBENCH / "T0.23").exists(), reason="needs ../shared/external/glassbench_ka2d")
def test_transferable_prediction_on_a_glassbench_file(two_temperatures, tmp_path, capfd):
    """The issue's command on GlassBench's T = 0.23 file: the file's inherent structure, predictions in
    the file's particle order (its species interleaved), the extrapolation said and recorded."""
    path = next((GLASSBENCH / "T0.23").rglob("*.npz"))
    out = tmp_path / "P.npz"
    assert main(["predict", "--models", str(two_temperatures / "models"), str(path), "--temperature", "0.23",
                 "--time", "1.5e6", "--out", str(out)]) == 0
    assert "EXTRAPOLATION: T = 0.23 lies outside the training temperatures" in capfd.readouterr().err
    p, raw = np.load(out), np.load(path)
    np.testing.assert_array_equal(p["types"], raw["types"] - 1)
    assert p["prediction"].shape == (1, 1, 1290) and p["extrapolates"]
    first = raw["types"] == 1
    assert np.isfinite(p["prediction"][0, 0, first]).all() and np.isnan(p["prediction"][0, 0, ~first]).all()
    np.testing.assert_allclose(p["positions"][0], np.mod(raw["initial_positions_inherent"], float(raw["box"])),
                               atol=1e-9)


def test_transferable_transfer_to_a_stored_larger_system(two_temperatures, demo, tmp_path):
    """`glassdyn transfer --store` on a store of configurations alone: a 2 x 2 tiling of two demo
    configurations; with the cut-off at half the training box every tile gets the prediction of the
    original configuration.  A store at another temperature than asked is refused."""
    from glassdyn.io.stores import read_store
    from glassdyn.systems.presets import SystemPreset
    from glassdyn.workflows.campaign import write_store
    from glassdyn.workflows.learning import describe_store, predict

    models = tmp_path / "mT16"
    assert main(["train", "--transferable", "--store", str(demo / "quick.h5"), str(two_temperatures / "t045.h5"),
                 "--cutoff", str(32.896 / 2), "--n-times", "2", "--epoch-scale", "0.01", "--out", str(models),
                 "--quiet"]) == 0
    small = read_store(demo / "quick.h5")
    box = small.box
    shifts = [np.array([i, j]) * box for i in range(2) for j in range(2)]
    tile = lambda x: np.concatenate([x + s for s in shifts])  # noqa: E731
    big_system = SystemPreset.from_dict(small.system).tiled(2)
    write_store(tmp_path / "big.h5", big_system, small.temperature, 0, "{}", np.tile(small.types, 4),
                [tile(x) for x in small.positions[:2]],
                [(tile(x), np.tile(e, 4)) for x, e in zip(small.inherent[:2], small.energy_per_particle[:2])],
                [0], {}, np.zeros(2, int), dict(n_replicas=0), {})
    out = tmp_path / "big"
    assert main(["transfer", "--models", str(models), "--store", str(tmp_path / "big.h5"), "--time", "50",
                 "--s4-fit", "counting", "--out", str(out)]) == 0
    assert '"s4_fit": "counting"' in (out / "transfer.md").read_text()
    p = np.load(out / "transfer.npz")["transferable"]
    assert p.shape == (2, 1, 4 * 1290)
    feats, definition = describe_store(small, configurations=[0, 1], cutoff=32.896 / 2)
    ref = predict(models, feats, definition, state=dict(temperature=small.temperature, times=[50.0]))["transferable"]
    ref = np.where(small.types == 0, ref, np.nan)  # the model's species only
    for k in range(4):
        np.testing.assert_allclose(p[:, :, k * 1290:(k + 1) * 1290], ref, rtol=1e-4, atol=1e-5)
    cli_fails(["transfer", "--models", str(models), "--store", str(tmp_path / "big.h5"), "--temperature", "0.3",
               "--time", "50", "--out", str(out)], "holds configurations at T = 0.6, not 0.3")


@pytest.fixture(scope="module")
def plain_t045(tmp_path_factory):
    """A one-temperature GlassMLP folder on the shipped T = 0.45 store (tau_alpha^BB = 758) at
    t = 135, 367, 1000, trained briefly."""
    from glassdyn.workflows.campaign import shipped_store

    out = tmp_path_factory.mktemp("plain045") / "m"
    assert main(["train", "--store", str(shipped_store("ka2d-T0.45")), "--out", str(out), "--times", "20", "22",
                 "24", "--epoch-scale", "0.02", "--no-baselines", "--quiet"]) == 0
    return out


@pytest.mark.skipif(not (GLASSBENCH / "T0.23").exists(), reason="needs ../shared/external/glassbench_ka2d")
def test_plain_folder_predicts_at_the_matched_reduced_time(plain_t045, tmp_path, capfd):
    """issue 28: a T = 0.45 folder asked at T = 0.23, t = 1.5e6 with tau(0.23) = 4e6 predicts with its
    models at t tau_train / tau = 284 (log-t interpolation between its t = 135 and 367 models),
    recorded with both taus; outside the trained times, without tau, or with tau <= 0 it refuses."""
    from glassdyn.io.models import read_model_folder

    path = next((GLASSBENCH / "T0.23").rglob("*.npz"))
    folder = read_model_folder(plain_t045)
    tau_train = folder.meta["tau_alpha_bb"]
    assert 700 < tau_train < 800  # the shipped store's measured tau_alpha^BB
    out = tmp_path / "P.npz"
    assert main(["predict", "--models", str(plain_t045), str(path), "--temperature", "0.23", "--time", "1.5e6",
                 "--tau", "4e6", "--out", str(out)]) == 0
    assert "MATCHED TIME: T = 0.23 is not the training temperature 0.45" in capfd.readouterr().err
    p = np.load(out)
    matched = 1.5e6 * tau_train / 4e6
    assert p["prediction"].shape == (1, 1, 1290) and float(p["matched_times"][0]) == pytest.approx(matched)
    assert float(p["tau"]) == 4e6 and float(p["tau_train"]) == pytest.approx(tau_train) and p["extrapolates"]
    assert main(["predict", "--models", str(plain_t045), str(path), "--out", str(tmp_path / "own.npz")]) == 0
    own_file = np.load(tmp_path / "own.npz")
    own, t_own = own_file["glassmlp"][0], own_file["times"]  # the models at their own times 135, 367, 1000
    w = (np.log(matched) - np.log(t_own[0])) / (np.log(t_own[1]) - np.log(t_own[0]))
    first = np.isfinite(own[0])
    np.testing.assert_allclose(p["prediction"][0, 0, first], (1 - w) * own[0, first] + w * own[1, first], rtol=1e-6,
                               atol=1e-9)
    base = ["predict", "--models", str(plain_t045), str(path), "--temperature", "0.23", "--out", str(tmp_path / "x")]
    cli_fails(base + ["--time", "1.5e6"], r"give tau_alpha\^BB at T = 0\.23", code=2)
    cli_fails(base + ["--time", "1e9", "--tau", "4e6"], "outside the trained range", code=2)
    cli_fails(base + ["--time", "1.5e6", "--tau", "0"], "--tau must be finite and positive", code=2)
    cli_fails(base[:-2] + ["--time", "1.5e6", "--tau", "nan", "--out", str(tmp_path / "x")], "finite", code=2)
    cli_fails(["predict", "--models", str(plain_t045), str(path), "--temperature", "inf", "--time", "10",
               "--out", str(tmp_path / "x")], "--temperature must be finite", code=2)
    assert not (tmp_path / "x").exists()


def test_evaluate_refuses_a_store_of_another_state(demo, plain_t045, tmp_path):
    """issue 29 §1: models of T = 0.6 on the T = 0.45 store (and the converse) are refused naming the
    temperature, not scored at the wrong label times; predict on such a store points to --time/--tau."""
    from glassdyn.workflows.campaign import shipped_store

    shipped = str(shipped_store("ka2d-T0.45"))
    cli_fails(["evaluate", "--models", str(demo / "models"), "--store", shipped, "--out", str(tmp_path / "e")],
              "temperature field", code=1)
    cli_fails(["evaluate", "--models", str(plain_t045), "--store", str(demo / "quick.h5"), "--out",
               str(tmp_path / "e")], "the models were trained at T = 0.45", code=1)
    cli_fails(["predict", "--models", str(demo / "models"), "--store", shipped, "--out", str(tmp_path / "p.npz")],
              "predict at matched t/tau_alpha", code=1)
    assert not (tmp_path / "e").exists() and not (tmp_path / "p.npz").exists()


def test_predict_refuses_inputs_outside_the_models_system(plain_t045):
    """issue 29 §2: with the reference cut-off 20 (> half the training box) descriptors depend on the box,
    so a 2 x 2 periodic copy is refused (it gave a mean C_B of -0.24), and so is another density (half
    the particles); descriptors far outside the training data and predictions outside [0, 1] are said."""
    from glassdyn.errors import InputFileError
    from glassdyn.io.models import read_model_folder
    from glassdyn.systems import Configuration, get_potential
    from glassdyn.workflows.campaign import read_store, shipped_store
    from glassdyn.workflows.learning import domain_notes, predict_configurations

    store = read_store(shipped_store("ka2d-T0.45"))
    x, types, box = store.inherent[0], store.types, store.box
    shifts = [np.array([i, j]) * box for i in (0, 1) for j in (0, 1)]
    tiled = Configuration(np.concatenate([x + s for s in shifts]), np.tile(types, 4), 2 * box)
    pot = get_potential("ka2d")
    with pytest.raises(InputFileError, match="box field"):
        predict_configurations(plain_t045, [tiled], pot)
    half = Configuration(x[::2], types[::2], box)
    with pytest.raises(InputFileError, match="density field"):
        predict_configurations(plain_t045, [half], pot)
    folder = read_model_folder(plain_t045)
    feats = np.zeros((1, len(types), folder.models["glassmlp"][0].mean_.size)) + folder.models["glassmlp"][0].mean_
    mask = [types == 0]
    assert domain_notes(folder.meta, folder.models, feats, mask, {"glassmlp": np.full((1, 1, 5), 0.5)}) == []
    far = feats.copy()
    far[0, :10, 3] += 50 * folder.models["glassmlp"][0].scale_[3]
    notes = domain_notes(folder.meta, folder.models, far, mask, {"glassmlp": np.array([[[0.5, 1.3, -0.4]]])})
    assert any("training standard deviations off" in n for n in notes)
    assert any("outside C_B's range [0, 1]" in n for n in notes)
