"""GlassMLP: loss properties, synthetic recovery vs Ridge, training-only scaling, persistence."""
import warnings

import numpy as np
import pytest
import torch

from glassdyn.learn import (GlassMLP, RidgeBaseline, glassmlp_loss, mean_pearson, pearson, shell_weights,
                            spatial_correlation)

M = 20
W1 = np.zeros(M)
W1[[0, 3]] = [1.0, 0.5]
W2 = np.zeros(M)
W2[[5, 7]] = [1.0, -1.0]


def _data(rng, S, N=300):
    X = [rng.normal(size=(N, M)) for _ in range(S)]
    y = [np.tanh(2 * (x @ W1)) + 0.5 * (x @ W2) ** 2 + 0.1 * rng.normal(size=N) for x in X]
    pos = [rng.uniform(0, 20, (N, 2)) for _ in range(S)]
    return X, y, pos


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    train, val, test = _data(rng, 10), _data(rng, 4), _data(rng, 4)
    model = GlassMLP(seed=1).fit(train[0], train[1], val[0], val[1], train[2], val[2],
                                                  box=[20, 20])
    return model, train, test


def test_loss_terms():
    rng = np.random.default_rng(1)
    pos = rng.uniform(0, 10, (50, 2))
    w = shell_weights(pos, [10, 10])
    y = torch.tensor(rng.normal(size=50))
    assert float(glassmlp_loss(y, y, w, w_v=1.0, w_d=0.5)) == 0.0
    other = y + 0.3 * torch.tensor(rng.normal(size=50))
    full = float(glassmlp_loss(other, y, w, w_v=1.0, w_d=0.5))
    mae = float(glassmlp_loss(other, y))
    assert full > mae > 0
    # variance term: zero for a shifted copy (same variance), positive for a rescaled one
    assert float(glassmlp_loss(y + 1.0, y, w_v=1.0)) == pytest.approx(float(glassmlp_loss(y + 1.0, y)))
    assert float(glassmlp_loss(2 * y, y, w_v=1.0)) > float(glassmlp_loss(2 * y, y))
    # the spatial correlation of an uncorrelated field is small compared to a smooth one
    smooth = torch.tensor(np.sin(pos[:, 0] / 3.0))
    assert spatial_correlation(smooth, w)[0] > 5 * abs(float(spatial_correlation(y, w)[0]))


def test_noise_correction_removes_the_replica_bias():
    """A smooth field + uncorrelated replica noise: the raw C(X, d) and Var(X) are biased by the
    noise; with noise = nu the corrected estimates recover the clean field's values."""
    rng = np.random.default_rng(3)
    pos = rng.uniform(0, 20, (800, 2))
    w = shell_weights(pos, [20, 20])
    clean = torch.tensor(np.sin(2 * np.pi * pos[:, 0] / 20) + np.cos(2 * np.pi * pos[:, 1] / 10))
    nu = 0.5 * float(clean.var(unbiased=False))
    c_clean, raw, corrected = [], [], []
    for _ in range(20):
        noisy = clean + torch.tensor(rng.normal(0, np.sqrt(nu), 800))
        raw.append(spatial_correlation(noisy, w).numpy())
        corrected.append(spatial_correlation(noisy, w, nu).numpy())
    c_clean = spatial_correlation(clean, w).numpy()
    assert np.all(np.abs(np.mean(raw, axis=0)) < 0.8 * np.abs(c_clean))  # the bias removed below
    np.testing.assert_allclose(np.mean(corrected, axis=0), c_clean, rtol=0.05, atol=0.03 * np.abs(c_clean).max())
    # a prediction equal to the clean field has zero variance and spatial loss against noisy labels
    noisy = clean + torch.tensor(rng.normal(0, np.sqrt(nu), 800))
    mae = float(glassmlp_loss(clean, noisy, noise=nu))
    assert float(glassmlp_loss(clean, noisy, w, 1.0, 0.5, noise=nu)) - mae < 0.1
    assert float(glassmlp_loss(clean, noisy, w, 1.0, 0.5)) - mae > 0.5
    with pytest.raises(ValueError, match="noise variance"):
        glassmlp_loss(clean, noisy, noise=10.0)


def test_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    pos = rng.uniform(0, 8, (20, 2))
    w = shell_weights(pos, [8, 8])
    y = torch.tensor(rng.normal(size=20))
    x = torch.tensor(rng.normal(size=20), requires_grad=True)
    assert torch.autograd.gradcheck(lambda p: glassmlp_loss(p, y, w, w_v=1.0, w_d=0.5), (x,), eps=1e-6,
                                    atol=1e-5)


def test_mean_pearson_averages_configurations_and_scores_a_constant_as_zero():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=50), rng.normal(size=50)
    assert mean_pearson([a], [2 * a + 1]) == pytest.approx(1.0)
    assert mean_pearson([a, -a], [a, a]) == pytest.approx(0.0)
    assert mean_pearson([a, b], [b, b]) == pytest.approx((pearson(a, b) + 1) / 2)
    assert mean_pearson([np.ones(50), a], [b, a]) == pytest.approx(0.5)  # collapsed network: 0, not NaN
    with pytest.raises(ValueError, match="one prediction per configuration"):
        mean_pearson([a], [a, b])


def test_recovers_nonlinear_target_better_than_ridge(trained):
    model, train, test = trained
    rho = mean_pearson(model.predict(test[0]), test[1])
    ridge = RidgeBaseline().fit(train[0], train[1])
    rho_ridge = mean_pearson(ridge.predict(test[0]), test[1])
    assert rho > 0.7
    assert rho > rho_ridge + 0.15
    # the bottleneck sees the two true combinations: its 2D weight subspace aligns with span(W1, W2)
    B = model.net_[0].weight.detach().double().numpy() / model.scale_[None, :]
    qb, _ = np.linalg.qr(B.T)
    qt, _ = np.linalg.qr(np.stack([W1, W2], axis=1))
    cosines = np.linalg.svd(qb.T @ qt, compute_uv=False)
    assert cosines.min() > 0.8


def test_scaling_uses_training_data_only(trained):
    model, train, test = trained
    np.testing.assert_allclose(model.mean_, np.concatenate(train[0]).mean(axis=0))
    shifted = [x + 5.0 for x in train[0]]
    m2 = GlassMLP(loss="mae", epoch_scale=0.01, seed=1).fit(train[0], train[1], shifted, train[1])
    np.testing.assert_allclose(m2.mean_, model.mean_)  # validation data never enter the scaler


def test_save_load_and_definition_guard(trained, tmp_path):
    model, train, test = trained
    model.definition_ = {"kind": "synthetic", "n": M}
    model.save(tmp_path / "m.npz")
    back = GlassMLP.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.predict(test[0][0]), model.predict(test[0][0]))
    with pytest.raises(ValueError, match="expects 20 descriptors"):
        back.predict(test[0][0][:, :10])
    with pytest.raises(ValueError, match="definition differs"):
        back.predict(test[0][0], definition={"kind": "other"})
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a glassdyn GlassMLP model"):
        GlassMLP.load(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="NaN"):
        back.predict(np.full((3, M), np.nan))


def test_mae_baseline_runs_two_phases():
    rng = np.random.default_rng(3)
    X, y, _ = _data(rng, 3, 100)
    m = GlassMLP(loss="mae", epoch_scale=0.01).fit(X, y)  # no positions needed without the spatial term
    assert {h["phase"] for h in m.history_} == {1, 2}
    with pytest.raises(ValueError, match="needs positions"):
        GlassMLP(epoch_scale=0.01).fit(X, y)


def test_label_noise_is_validated_and_recorded(tmp_path):
    rng = np.random.default_rng(4)
    X, y, pos = _data(rng, 2, 60)
    with pytest.raises(ValueError, match="one non-negative variance per configuration"):
        GlassMLP(epoch_scale=0.01).fit(X, y, positions=pos, box=[20, 20], label_noise=[0.01])
    with pytest.raises(ValueError, match="not below the label variance"):
        GlassMLP(epoch_scale=0.01).fit(X, y, positions=pos, box=[20, 20], label_noise=[100.0, 100.0])
    m = GlassMLP(epoch_scale=0.01).fit(X, y, positions=pos, box=[20, 20], label_noise=[0.01, 0.01])
    m.save(tmp_path / "m.npz")
    assert GlassMLP.load(tmp_path / "m.npz").label_noise_ is True
    assert GlassMLP(loss="mae", epoch_scale=0.01).fit(X, y).label_noise_ is False


def test_overlap_observable_for_displacement_labels(tmp_path):
    """observable='overlap' (paper SM VI): the variance and C(d) terms compare the smooth overlaps
    (1 - tanh(20 (R - 0.44))) / 2, so changes of R deep inside the saturated regions do not count
    there, while the MAE term still sees them."""
    from glassdyn.dynamics import smooth_overlap

    rng = np.random.default_rng(5)
    pos = rng.uniform(0, 10, (200, 2))
    w = shell_weights(pos, [10, 10])
    true = torch.tensor(np.where(pos[:, 0] < 5, 0.1, 0.9) + 0.02 * rng.normal(size=200))
    pred = true + torch.tensor(np.where(true.numpy() > 0.5, 0.3 * rng.uniform(size=200), 0.0))  # far above 0.44
    mae = float(glassmlp_loss(pred, true))
    assert mae > 0.05
    assert float(glassmlp_loss(pred, true, w, 1.0, 0.5, transform=smooth_overlap)) == pytest.approx(mae, abs=1e-6)
    assert float(glassmlp_loss(pred, true, w, 1.0, 0.5)) > mae + 0.05  # the raw field's terms do see it
    X, y, p = _data(rng, 2, 60)
    y = [0.44 + 0.1 * v for v in y]
    with pytest.raises(ValueError, match="cannot correct the smooth-overlap"):
        GlassMLP(epoch_scale=0.01, observable="overlap").fit(X, y, positions=p, box=[20, 20],
                                                             label_noise=[1e-4, 1e-4])
    m = GlassMLP(epoch_scale=0.01, observable="overlap").fit(X, y, positions=p, box=[20, 20])
    m.save(tmp_path / "m.npz")
    assert GlassMLP.load(tmp_path / "m.npz").observable == "overlap"
    with pytest.raises(ValueError, match="observable"):
        GlassMLP(observable="mobility")


def test_ensemble_is_the_mean_of_its_seeds(tmp_path):
    from glassdyn.learn import GlassMLPEnsemble, load_model

    rng = np.random.default_rng(6)
    X, y, pos = _data(rng, 3, 80)
    kw = dict(epoch_scale=0.01, min_batches_per_epoch=3)
    ens = GlassMLPEnsemble(GlassMLP(seed=4, **kw), n_members=2).fit(X, y, positions=pos, box=[20, 20])
    singles = [GlassMLP(seed=s, **kw).fit(X, y, positions=pos, box=[20, 20]).predict(X[0]) for s in (4, 5)]
    assert not np.allclose(singles[0], singles[1])  # the members differ
    np.testing.assert_allclose(ens.predict(X[0]), np.mean(singles, axis=0), rtol=1e-6)
    ens.save(tmp_path / "e.npz")
    back = load_model(tmp_path / "e.npz")
    assert isinstance(back, GlassMLPEnsemble) and len(back.members_) == 2
    np.testing.assert_array_equal(back.predict(X[1]), ens.predict(X[1]))
    with pytest.raises(ValueError, match="ensemble"):
        GlassMLP.load(tmp_path / "e.npz")
    with pytest.raises(ValueError, match="at least one member"):
        GlassMLPEnsemble(n_members=0).fit(X, y, positions=pos, box=[20, 20])


def test_collapse_of_the_spatial_phases_is_reported(tmp_path):
    """With very few configurations the spatial phases can destroy a model (measured on KA2D: validation
    rho_P 0.53 -> 0.06); fit records the validation rho_P before and after them and warns on a collapse.
    A deliberately destructive phase 3 (w_d = 500 at lr 0.3) provokes one; the paper's schedule does not."""
    rng = np.random.default_rng(7)
    X, y, pos = _data(rng, 4, 150)
    Xv, yv, pv = _data(rng, 2, 150)
    wreck = ((150, 5e-3, 0, 0, False), (20, 2e-3, 0, 0, True), (100, 0.3, 0, 500.0, False), (1, 0.3, 0, 500.0, False))
    with pytest.warns(RuntimeWarning, match="lowered the validation rho_P"):
        m = GlassMLP(schedule=wreck, min_batches_per_epoch=4, seed=1).fit(X, y, Xv, yv, pos, pv, box=[20, 20])
    assert m.validation_rho_["mae_phases"] > 0.8 and m.validation_rho_["final"] < 0.4
    m.save(tmp_path / "m.npz")
    assert GlassMLP.load(tmp_path / "m.npz").validation_rho_ == m.validation_rho_
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ok = GlassMLP(schedule=wreck[:2] + ((20, 4e-5, 1.0, 0.5, False),), min_batches_per_epoch=4, seed=1).fit(
            X, y, Xv, yv, pos, pv, box=[20, 20])
    assert ok.validation_rho_["final"] > 0.8


def test_ridge_records_and_guards_the_descriptor_definition(tmp_path):
    from glassdyn.learn import RidgeBaseline

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(50, 4)) for _ in range(3)]
    y = [x @ np.array([1.0, -2.0, 0.5, 0.0]) for x in X]
    definition = dict(kind="glassmlp-jung2023", cutoff=20.0, names=["a", "b", "c", "d"])
    m = RidgeBaseline(alpha=1e-6).fit(X, y, definition=definition)
    m.save(tmp_path / "r.npz")
    loaded = RidgeBaseline.load(tmp_path / "r.npz")
    assert loaded.definition_ == definition
    np.testing.assert_allclose(loaded.predict(X[0], definition=definition), y[0], atol=1e-4)
    with pytest.raises(ValueError, match="differing: cutoff"):
        loaded.predict(X[0], definition=dict(definition, cutoff=16.4))


def test_estimators_follow_scikit_learn():
    """get_params / clone work, learned attributes appear only with fit, GridSearchCV selects on the
    paper's figure of merit (mean rho_P over configurations, lists over configurations as samples)."""
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    from glassdyn.learn import GlassMLPEnsemble
    from glassdyn.learn.fsmlp import FsMLP

    for est in (GlassMLP(epoch_scale=0.01, hidden=(8, 8)), RidgeBaseline(alpha=2.0), FsMLP(epochs=2),
                GlassMLPEnsemble(GlassMLP(seed=3), n_members=2)):
        copy = clone(est)
        assert repr(copy.get_params(deep=True)) == repr(est.get_params(deep=True))
        assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("_")], type(est).__name__
    with pytest.raises(RuntimeError, match="fit"):
        GlassMLP().predict(np.zeros((3, M)))
    rng = np.random.default_rng(2)
    X, y, _ = _data(rng, 6, 100)
    search = GridSearchCV(RidgeBaseline(), {"alpha": [1e-3, 1e6]}, cv=3).fit(X, y)
    assert search.best_params_["alpha"] in (1e-3, 1e6) and hasattr(search.best_estimator_, "model_")
    train, test = [0, 1, 2, 3], [4, 5]  # KFold(3)'s last split of 6 configurations
    own = RidgeBaseline(alpha=1e-3).fit([X[c] for c in train], [y[c] for c in train])
    assert search.cv_results_["split2_test_score"][0] == pytest.approx(
        mean_pearson(own.predict([X[c] for c in test]), [y[c] for c in test]), rel=1e-9)
    model = GlassMLP(epoch_scale=0.01, min_batches_per_epoch=2, loss="mae").fit(X, y)
    assert model.score(X, y) == pytest.approx(mean_pearson(model.predict(X), y))


def test_reference_spatial_correlation_matches_an_independent_evaluation():
    """C(d) with row-normalised shells against the reference program's formula written out particle
    by particle: res = sum_i dX_i [sum_j w_ij dX_j] / n_i / sum_i dX_i^2, n_i = sum_j w_ij (i = j in)."""
    rng = np.random.default_rng(11)
    L = 12.0
    pos = rng.uniform(0, L, (70, 2))
    x = rng.normal(size=70) + np.sin(pos[:, 0])
    dx = x - x.mean()
    expected = []
    for d in (2.0, 5.0, 8.0):
        total = 0.0
        for i in range(70):
            dr = pos - pos[i]
            dr -= L * np.round(dr / L)
            w = np.exp(-0.5 * (np.hypot(dr[:, 0], dr[:, 1]) - d) ** 2)
            total += dx[i] * (w @ dx) / w.sum()
        expected.append(total / (dx @ dx))
    w = shell_weights(pos, [L, L], (2.0, 5.0, 8.0), row_normalised=True)
    np.testing.assert_allclose(spatial_correlation(torch.tensor(x), w).numpy(), expected, rtol=1e-10)
    # the paper's unnormalised C(d) is a different number
    assert not np.allclose(spatial_correlation(torch.tensor(x), shell_weights(pos, [L, L], (2.0, 5.0, 8.0))).numpy(),
                           expected, rtol=0.1)


def test_protocols_resolve_and_overrides_apply():
    from glassdyn.learn.glassmlp import JUNG2023_SCHEDULE, PROTOCOLS, REFERENCE_SCHEDULE

    ref = GlassMLP().settings()
    assert ref["schedule"] == REFERENCE_SCHEDULE and ref["distances"] == (2.0, 5.0, 8.0)
    assert [p[0] for p in REFERENCE_SCHEDULE] == [300, 100, 50, 100]  # StructDynGlass mlptrain.py
    assert [p[0] for p in JUNG2023_SCHEDULE] == [300, 1000, 50, 1000]  # the paper's SM II.B
    paper = GlassMLP(protocol="paper").settings()
    assert paper["distances"] == (2.0, 4.0, 6.0) and paper["shell_norm"] == "none"
    assert GlassMLP(protocol="paper", distances=(1.0, 3.0)).settings()["distances"] == (1.0, 3.0)
    assert set(PROTOCOLS) == {"reference", "paper", "glassdyn-0.1"}
    for bad in (dict(protocol="keras"), dict(order="random"), dict(epoch_scale=0.0), dict(epoch_scale=np.nan)):
        with pytest.raises(ValueError):
            GlassMLP(**bad)


def test_reference_training_details(tmp_path):
    """Glorot-uniform weights with zero biases at the start, the MAE scale of all training labels,
    a constant descriptor column dropped (its test value cannot change a prediction), fixed batch
    order (two fits with one seed are identical), and all of it kept through save/load."""
    from glassdyn.learn.glassmlp import _network

    torch.manual_seed(0)
    net = _network(30, 2, (10, 10), "glorot")
    limit = np.sqrt(6 / (30 + 2))
    assert float(net[0].weight.detach().abs().max()) <= limit and float(net[0].weight.detach().abs().max()) > 0.8 * limit
    assert all(float(layer.bias.abs().max()) == 0.0 for layer in net if isinstance(layer, torch.nn.Linear))
    rng = np.random.default_rng(12)
    X, y, _ = _data(rng, 3, 80)
    X = [np.hstack([x, np.full((len(x), 1), 3.0)]) for x in X]  # a constant column
    kw = dict(loss="mae", epoch_scale=0.05)
    m = GlassMLP(**kw).fit(X, y)
    assert m.keep_.sum() == M and not m.keep_[-1] and m.net_[0].weight.shape[1] == M
    probe = X[0].copy()
    probe[:, -1] = 100.0
    np.testing.assert_array_equal(m.predict(probe), m.predict(X[0]))
    np.testing.assert_array_equal(GlassMLP(**kw).fit(X, y).predict(X[1]), m.predict(X[1]))
    old = GlassMLP(protocol="glassdyn-0.1", **kw).fit(X, y)
    assert old.keep_.all()
    scales, _ = GlassMLP._mae_scales(y, y[:1], "training")
    assert scales == [pytest.approx(np.concatenate(y).std())] * 3
    assert GlassMLP._mae_scales(y, y[:1], "configuration")[0] == [None] * 3
    m.save(tmp_path / "m.npz")
    back = GlassMLP.load(tmp_path / "m.npz")
    assert back.protocol == "reference" and back.settings() == m.settings()
    np.testing.assert_array_equal(back.predict(probe), m.predict(probe))
