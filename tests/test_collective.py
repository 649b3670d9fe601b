"""Collective route: state library (validation, corrupt files), split by state, FsMLP on a
synthetic library with a known smooth S -> F map, library T_mct machinery."""
import h5py
import numpy as np
import pytest

from glassdyn.learn.fsmlp import FsMLP, library_rows, r2_score, split_states
from glassdyn.workflows.state_library import StateLibrary, StatePoint, read_library, run_state


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A real two-state library (hot WCA and LJ at rho = 1.2, short runs)."""
    store = tmp_path_factory.mktemp("lib") / "lib.h5"
    states = [StatePoint(inter, 1.2, 3.0, max_steps=2000, window_steps=1000, n_times=12)
              for inter in ("wca", "lj")]
    StateLibrary(states, store).run(progress=False)
    return store


def test_library_entries_are_physical(library):
    lib = read_library(library)
    assert lib["S"].shape == (2, 100, 3) and lib["Fs"].shape[0] == 2
    assert np.all(~lib["crystal"].astype(bool))  # hot liquids
    for i in range(2):
        assert 6.5 <= lib["k_p"][i] <= 7.8  # main peak of S_AA at rho = 1.2
        t = lib["times"][i][np.isfinite(lib["times"][i])]
        assert np.all(np.diff(t) > 0)
        ip = int(np.argmin(np.abs(lib["k"] - lib["k_p"][i])))
        # paper Eq. 1: F_s^aa(k_p, 0) = S^aa(k_p); the first lag is 5 dt, F_s within 2 % of it
        np.testing.assert_allclose(lib["Fs"][i, 0], lib["S"][i, ip, [0, 2]], rtol=0.02)
        # partial convention: S_aa -> x_a at large k, S_ab -> 0
        np.testing.assert_allclose(lib["S"][i, -20:, 0].mean(), 0.8, atol=0.03)
        np.testing.assert_allclose(lib["S"][i, -20:, 2].mean(), 0.2, atol=0.02)
        assert abs(lib["S"][i, -20:, 1].mean()) < 0.02
        assert abs(lib["energy_drift"][i]) < 1e-3  # NVE production conserves energy
    assert lib["tau_alpha"][0] > 0
    from glassdyn.workflows.collective import library_tmct

    with pytest.raises(ValueError, match="need >= 2 equilibrated states"):
        library_tmct(lib, 0, 1.2)  # one LJ state cannot bracket T_mct


def test_corrupt_and_foreign_libraries_are_refused(library, tmp_path):
    bad = tmp_path / "junk.h5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="unreadable or corrupt"):
        read_library(bad)
    with h5py.File(tmp_path / "foreign.h5", "w") as h:
        h["x"] = np.zeros(3)
    with pytest.raises(ValueError, match="not a glassdyn state library"):
        read_library(tmp_path / "foreign.h5")
    import shutil

    tampered = tmp_path / "tampered.h5"
    shutil.copy(library, tampered)
    with h5py.File(tampered, "r+") as h:
        h["Fs"][0, 0, 0] = 2 * h["Fs"][0, 0, 0]
    with pytest.raises(ValueError, match="Eq. 1 normalisation"):
        read_library(tampered)
    with h5py.File(tampered, "r+") as h:
        del h["S"]
    with pytest.raises(ValueError, match="missing"):
        read_library(tampered)


def test_unit_of_another_specification_is_refused(library):
    other = [StatePoint("wca", 1.2, 3.0, max_steps=4000, window_steps=1000, n_times=12)]
    lib = StateLibrary(other, library)
    lib.unit_path(other[0]).parent.mkdir(exist_ok=True)
    with pytest.raises(ValueError, match="different state specification"):
        lib.pending()


def _synthetic_library(n_states=40, seed=0):
    """S_ab(k) = smooth peaks whose height h sets tau = exp(4 (h - 1)) / T; F = S_aa(k_p) exp(-(t/tau)^0.8)."""
    rng = np.random.default_rng(seed)
    k = (np.arange(100) + 0.5) * 0.4
    S, Fs, times, T, rho, inter = [], [], [], [], [], []
    t = np.geomspace(0.01, 1e3, 30)
    for _ in range(n_states):
        h, temp = rng.uniform(1.0, 2.0), rng.uniform(0.5, 2.0)
        peak = h * np.exp(-((k - 7.2) ** 2) / 2.0)
        s = np.stack([0.8 + 0.8 * peak, 0.1 * peak, 0.2 + 0.2 * peak], axis=1)
        tau = np.exp(4 * (h - 1)) / temp
        sp = s[int(np.argmin(np.abs(k - 7.2)))][[0, 2]]
        S.append(s)
        Fs.append(sp[None, :] * np.exp(-(t[:, None] / np.array([tau, 0.7 * tau])) ** 0.8))
        times.append(t)
        T.append(temp)
        rho.append(1.2)
        inter.append(int(rng.integers(2)))
    from glassdyn.io.library import StatePointLibrary

    return StatePointLibrary(k=k, S=np.array(S), Fs=np.array(Fs), times=np.array(times), temperature=np.array(T),
                             rho=np.array(rho), interaction=np.array(inter), t_mct_paper=np.ones(n_states),
                             k_p=np.full(n_states, 7.2))


def test_split_by_state_never_shares_a_state():
    lib = _synthetic_library(30)
    split = split_states(30, 0.1, seed=3)
    assert not set(split["train"]) & set(split["test"])
    assert sorted(split["train"] + split["test"]) == list(range(30))
    _, _, which_train, _ = library_rows(lib, split["train"])
    _, _, which_test, _ = library_rows(lib, split["test"])
    assert not set(which_train) & set(which_test)
    with pytest.raises(ValueError):
        split_states(1, 0.5)


def test_fsmlp_learns_a_smooth_synthetic_map(tmp_path):
    lib = _synthetic_library(40)
    split = split_states(40, 0.2, seed=0)
    X, y, _, _ = library_rows(lib, split["train"])
    model = FsMLP(epochs=60, seed=0).fit(X, y)
    Xt, yt, _, _ = library_rows(lib, split["test"])
    r2 = r2_score(yt, model.predict(Xt))
    assert r2 > 0.9
    # scaling from training rows only; save -> load -> identical predictions; wrong width refused
    np.testing.assert_allclose(model.mean_, X.mean(axis=0))
    model.save(tmp_path / "m.npz", split=split)
    back = FsMLP.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.predict(Xt), model.predict(Xt))
    with pytest.raises(ValueError, match="expects rows of 304"):
        back.predict(Xt[:, :300])
    (tmp_path / "bad.npz").write_bytes(b"x")
    with pytest.raises(ValueError, match="not a glassdyn FsMLP model"):
        FsMLP.load(tmp_path / "bad.npz")


def test_run_state_rejects_bad_specifications():
    with pytest.raises(ValueError, match="unknown interaction"):
        StatePoint("morse", 1.2, 1.0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        run_state('{"interaction": "lj", "rho": 1.2, "temperature": -1.0}')
