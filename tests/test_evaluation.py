"""PropensityEvaluation: maximal achievable rho_P from the replica noise, consistency, colours, errors."""
import numpy as np
import pytest

from glassdyn.dynamics import chi4
from glassdyn.learn.evaluation import PropensityEvaluation


def _fields(rng, S=4, T=2, N=1500, nu=0.5):
    pos = rng.uniform(0, 30, (S, N, 2))
    clean = np.stack([np.stack([np.sin(p[:, 0] / (2 + t)) + 0.3 * rng.normal(size=N) for t in range(T)])
                      for p in pos])  # (S, T, N) infinite-replica propensity
    labels = clean + rng.normal(0, np.sqrt(nu), clean.shape)  # finite-replica estimate
    return pos, clean, labels, np.full((S, T), nu)


def test_rho_max_bounds_the_perfect_prediction():
    """The infinite-replica propensity as 'prediction' reaches rho_max = <sqrt(1 - nu/Var)>; a
    noisier prediction stays below it."""
    rng = np.random.default_rng(0)
    pos, clean, labels, nu = _fields(rng)
    worse = clean + rng.normal(0, 0.5, clean.shape)
    ev = PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {"exact": clean, "worse": worse}, pos,
                                                label_noise=nu)
    r = ev.results
    np.testing.assert_allclose(r["rho"]["exact"], r["rho_max"], atol=0.02)
    assert np.all(r["rho"]["worse"] < r["rho_max"] - 0.05)
    np.testing.assert_allclose(r["chi4"]["MD"], chi4(labels))
    # without noise information there is no bound; a wrong shape is refused
    assert "rho_max" not in PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {"x": clean}, pos).results
    with pytest.raises(ValueError, match="label_noise must be"):
        PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {"x": clean}, pos, label_noise=nu[:, :1])


def test_identical_prediction_and_errors():
    rng = np.random.default_rng(1)
    pos, _, labels, _ = _fields(rng, S=3, T=2, N=400)
    ev = PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {"copy": labels.copy()}, pos)
    np.testing.assert_allclose(ev.results["rho"]["copy"], 1.0)
    np.testing.assert_allclose(ev.results["s4"]["copy"][1], ev.results["s4"]["MD"][1])
    with pytest.raises(ValueError, match="predictions of bad"):
        PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {"bad": labels[:, :1]}, pos)
    bad = labels.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {"bad": bad}, pos)


def test_snapshot_colours_follow_the_seed():
    """Seed Figs. 1, 3: blue = high C_B (moves very little), red = low C_B; for displacements red = large R."""
    cb = np.array([1.0, 0.9, 0.2])  # the last particle has relaxed
    z = PropensityEvaluation([10, 10]).mobility(cb)
    assert z[2] > 0 > z[0]  # coolwarm: positive = red
    r = np.array([0.1, 0.2, 1.5])  # the last particle moved most
    z = PropensityEvaluation([10, 10], observable="overlap").mobility(r)
    assert z[2] > 0 > z[0]


def test_paper_claim_metrics_and_statements():
    """chi4 ratio of a scaled field is the square of the scale; a shrunk (Ridge-like) prediction has
    the same rho_P but a smaller chi4 and a larger distribution distance, so the claims hold for
    the faithful model and fail when the names are swapped."""
    rng = np.random.default_rng(2)
    pos, clean, labels, nu = _fields(rng, S=6, T=2, N=800, nu=0.05)
    mean = labels.mean()
    faithful = labels + rng.normal(0, 0.1, labels.shape)
    shrunk = mean + 0.5 * (labels - mean)
    shrunk_more = mean + 0.3 * (labels - mean)
    ev = PropensityEvaluation([30, 30]).compute([1.0, 2.0], labels, {
        "GlassMLP": faithful, "MLP(mae)": shrunk, "Ridge": shrunk_more, "double": mean + 2 * (labels - mean)}, pos)
    rows = {r["source"]: r for r in ev.table()}
    assert rows["double"]["chi4_ratio"] == pytest.approx(4.0, rel=1e-9)
    assert rows["double"]["chi4_error"] == pytest.approx(np.log(4.0), rel=1e-9)
    assert rows["MLP(mae)"]["chi4_ratio"] == pytest.approx(0.25, rel=1e-9)
    assert rows["MLP(mae)"]["rho_P_at_t_star"] == pytest.approx(1.0)
    assert rows["GlassMLP"]["wasserstein"] < 0.1 < rows["MLP(mae)"]["wasserstein"] < rows["Ridge"]["wasserstein"]
    held = {c["claim"].split(" of ")[0]: c["held"] for c in ev.claims()}
    assert held["rho_P"] and held["chi4(t*)"] and held["propensity distribution"]
    swapped = {c["claim"].split(" of ")[0]: c["held"] for c in ev.claims(model="MLP(mae)", baselines=("GlassMLP", "Ridge"))}
    assert not swapped["chi4(t*)"] and not swapped["propensity distribution"]


def test_bootstrap_intervals_are_paired_resamples_of_the_test_configurations():
    """The pooled rho_P of a resample equals a direct Pearson over its configurations; intervals bracket
    the point values; two equally good models leave the chi4 claim undetermined, and a clearly
    worse model makes the rho_P claim 'not held' with an interval that excludes the tolerance."""
    from glassdyn.learn.baselines import pearson

    rng = np.random.default_rng(5)
    pos, clean, labels, nu = _fields(rng, S=5, T=2, N=600, nu=0.05)
    preds = {"GlassMLP": labels + rng.normal(0, 0.4, labels.shape),
             "MLP(mae)": labels + rng.normal(0, 0.4, labels.shape),
             "Ridge": labels + rng.normal(0, 0.4, labels.shape)}
    ev = PropensityEvaluation([30, 30], n_bootstrap=300, seed=3).compute([1.0, 2.0], labels, preds, pos)
    boot, ts = ev.results["bootstrap"], ev.results["t_star"]
    idx = np.random.default_rng(3).integers(0, 5, size=(300, 5))
    i = idx[7]
    direct = pearson(preds["Ridge"][i, ts].ravel(), labels[i, ts].ravel())
    assert boot["Ridge"]["rho_pooled"][7] == pytest.approx(direct, rel=1e-9)
    assert boot["Ridge"]["rho"][7] == pytest.approx(np.mean([pearson(preds["Ridge"][k, ts], labels[k, ts])
                                                             for k in i]), rel=1e-9)
    for row in ev.table()[1:]:
        lo, hi = row["rho_P_ci"]
        assert lo <= row["rho_P_at_t_star"] <= hi and hi - lo < 0.1
        lo, hi = row["chi4_ratio_ci"]
        assert lo <= row["chi4_ratio"] <= hi
    claims = {c["claim"].split(" of ")[0]: c for c in ev.claims()}
    assert claims["rho_P"]["held"] is True  # equal models: the difference interval lies within +-0.05
    assert claims["chi4(t*)"]["held"] is None and "[" in claims["chi4(t*)"]["detail"]
    worse = dict(preds, GlassMLP=labels + rng.normal(0, 1.5, labels.shape))
    ev = PropensityEvaluation([30, 30], n_bootstrap=300).compute([1.0, 2.0], labels, worse, pos)
    rho = ev.claims()[0]
    assert rho["held"] is False and rho["interval"][1] < -0.05
    assert "bootstrap intervals" in ev.markdown()
    # without a bootstrap there is no interval and no verdict
    ev = PropensityEvaluation([30, 30], n_bootstrap=0).compute([1.0, 2.0], labels, worse, pos)
    assert all(c["held"] is None for c in ev.claims()) and np.isnan(ev.table()[1]["rho_P_ci"][0])
