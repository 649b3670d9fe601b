"""The temperature-transferable GlassMLP (issue 19): inputs, save/load with the training
temperatures, refusal of another descriptor definition, extrapolation warnings."""
import numpy as np
import pytest

from glassdyn.learn import ExtrapolationWarning, GlassMLP, TransferableGlassMLP, load_model, pearson

DEFINITION = {"name": "test-descriptors", "version": 1}
TIMES = np.array([1.0, 10.0, 100.0])
FAST = dict(epoch_scale=0.05, min_batches_per_epoch=20, loss="mae", seed=0)
TRAIN = dict(epoch_scale=0.5, min_batches_per_epoch=20, loss="mae", seed=0)


def _data(temperatures, n=150, m=4, seed=0):
    """Labels that depend on the descriptors, the temperature and log t."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for T in temperatures:
        x = rng.normal(size=(n, m))
        labels = np.stack([x[:, 0] * (1.5 - T) + 0.5 * np.log10(t) * x[:, 1] + 0.05 * rng.normal(size=n)
                           for t in TIMES])
        X.append(x)
        y.append(labels)
    return X, y


def test_learns_across_temperatures_and_times():
    temps = [0.5, 0.5, 0.6, 0.6, 0.7, 0.7]
    X, y = _data(temps)
    model = TransferableGlassMLP(**TRAIN).fit_states(X, y, temps, TIMES, definition=DEFINITION)
    assert model.training_temperatures_ == [0.5, 0.6, 0.7]
    Xt, yt = _data([0.6], seed=5)
    preds = [model.predict_state(Xt[0], 0.6, t, definition=DEFINITION) for t in TIMES]
    assert min(pearson(p, yt[0][j]) for j, p in enumerate(preds)) > 0.85
    # the time input is used: what changes from t = 1 to t = 100 is the x_1 term
    assert pearson(preds[2] - preds[0], Xt[0][:, 1]) > 0.8
    with pytest.warns(ExtrapolationWarning, match="outside the training temperatures"):
        low = model.predict_state(Xt[0], 0.4, 10.0, definition=DEFINITION)
    assert low.shape == (150,) and np.all(np.isfinite(low))
    with pytest.warns(ExtrapolationWarning, match="extrapolates in time"):
        model.predict_state(Xt[0], 0.6, 1e4, definition=DEFINITION)


def test_save_load_keeps_the_training_temperatures(tmp_path):
    temps = [0.5, 0.7]
    X, y = _data(temps)
    model = TransferableGlassMLP(**FAST).fit_states(X, y, temps, TIMES, definition=DEFINITION)
    model.save(tmp_path / "m.npz")
    back = TransferableGlassMLP.load(tmp_path / "m.npz")
    assert back.training_temperatures_ == [0.5, 0.7] and back.time_input == "log_t"
    np.testing.assert_allclose(back.predict_state(X[0], 0.6, 10.0, definition=DEFINITION),
                               model.predict_state(X[0], 0.6, 10.0, definition=DEFINITION))
    with pytest.raises(ValueError, match="definition"):
        back.predict_state(X[0], 0.6, 10.0, definition={"name": "other", "version": 1})
    assert isinstance(load_model(tmp_path / "m.npz"), TransferableGlassMLP)
    with pytest.raises(ValueError, match="a TransferableGlassMLP"):
        GlassMLP.load(tmp_path / "m.npz")


def test_inputs_are_checked():
    X, y = _data([0.5, 0.6])
    model = TransferableGlassMLP(**FAST)
    with pytest.raises(ValueError, match="one entry per configuration"):
        model.fit_states(X, y, [0.5], TIMES)
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.fit_states(X, y, [0.5, -1.0], TIMES)
    with pytest.raises(ValueError, match=r"labels must be \(n_times, N\)"):
        model.fit_states(X, [v[:2] for v in y], [0.5, 0.6], TIMES)
    with pytest.raises(ValueError, match="needs tau_alpha"):
        TransferableGlassMLP(time_input="t_over_tau", **FAST).fit_states(X, y, [0.5, 0.6], TIMES)
    with pytest.raises(ValueError, match="time_input"):
        TransferableGlassMLP(time_input="linear")
    with pytest.raises(RuntimeError, match="fit_states"):
        model.predict_state(X[0], 0.5, 1.0)


def test_times_per_configuration_and_t_over_tau():
    """Stores at different temperatures have different label times: one array per configuration;
    with time_input="t_over_tau" the feature is log10(t / tau(T)) and the range says so."""
    X, y = _data([0.5, 0.7])
    times = [TIMES, TIMES[:2] * 3]
    y = [y[0], y[1][:2]]
    tau = {0.5: 100.0, 0.7: 3.0}
    model = TransferableGlassMLP(time_input="t_over_tau", **FAST).fit_states(X, y, [0.5, 0.7], times, tau=tau,
                                                                            definition=DEFINITION)
    np.testing.assert_allclose(model.training_time_range_, (np.log10(0.01), np.log10(10.0)))
    assert model.extrapolation_notes(0.6, 50.0, {0.6: 50.0}) == []
    notes = model.extrapolation_notes(0.3, 1e5, {0.3: 1e3})
    assert len(notes) == 2 and "log10 t/tau = 2" in notes[1]
    with pytest.raises(ValueError, match="2 arrays for 3 configurations"):
        model.fit_states(X + X[:1], y + y[:1], [0.5, 0.7, 0.5], times, tau=tau)


def test_matched_time_ridge_pairs_times_by_t_over_tau():
    """Two 'stores' with tau 10 and 100: the labels follow the first descriptor only at t = tau / 2
    (index 2 of times 0, 1, 5, 50, 500 at tau = 10; index 3 at tau = 100); Ridge at t/tau = 0.5 must
    find that map in both, at t/tau = 50 (pure noise) it must not."""
    from types import SimpleNamespace

    from glassdyn.workflows.transferable import matched_time_ridge

    rng = np.random.default_rng(1)
    times = np.array([0.0, 1.0, 5.0, 50.0, 500.0])
    stores, feats = [], []
    for j_signal in (2, 3):
        X = rng.normal(size=(4, 60, 3))
        y = rng.normal(size=(4, 5, 60))
        types = np.zeros(60, int)
        types[::6] = 1  # another species, with another map: left out of the fit
        y[:, j_signal] = np.where(types == 0, 2.0 * X[:, :, 0], -10.0 * X[:, :, 1])
        stores.append(SimpleNamespace(times=times, types=types, labels=lambda label, y=y: y, box=np.full(2, 10.0),
                                      inherent=rng.uniform(0, 10, (4, 60, 2)), path="synthetic"))
        feats.append(X)
    test = rng.normal(size=(60, 3))
    fit = matched_time_ridge(stores, feats, [[0, 1, 2], [0, 1]], [10.0, 100.0], 0.5, DEFINITION)
    slopes = np.linalg.lstsq(test, fit.predict(test, DEFINITION), rcond=None)[0]
    np.testing.assert_allclose(slopes, [2.0, 0.0, 0.0], atol=0.15)  # alpha = 10 shrinks by ~4 %
    noise = matched_time_ridge(stores, feats, [[0, 1, 2], [0, 1]], [10.0, 100.0], 50.0, DEFINITION)
    assert np.std(noise.predict(test, DEFINITION)) < 0.3
    # any model kind: MLP(mae) at t/tau = 0.5, early-stopped on the stores' validation configurations
    from glassdyn.learn import pearson
    from glassdyn.workflows.transferable import matched_time_model

    splits = [dict(train=[0, 1, 2], validation=[3]), dict(train=[0, 1], validation=[3])]
    mlp = matched_time_model(stores, feats, splits, [10.0, 100.0], 0.5, DEFINITION, "mlp_mae",
                             dict(epoch_scale=0.3, seed=0))
    assert pearson(mlp.predict(test, DEFINITION), test[:, 0]) > 0.9
