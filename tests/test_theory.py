"""Memory-equation solver and MCT against analytic results and published critical points."""
import numpy as np
import pytest

from glassdyn.theory import (OneComponentMCT, SchematicF12, critical_point, exponent_parameter,
                             exponents_from_lambda,
                             f12_critical_line, midpoint_grid, nonergodicity_parameter,
                             py_structure_factor, solve_memory_equation)

K = midpoint_grid(100, 40.0)


def _pyhs(phi):
    return OneComponentMCT(K, py_structure_factor(K, phi), 6 * phi / np.pi)


def _exponential_memory_exact(t, gamma, m0, tau):
    """Brownian F' + gamma F + int m0 exp(-(t-s)/tau) F'(s) ds = 0, F(0) = 1, by residues."""
    a, b, c = tau, 1 + gamma * tau + m0 * tau, gamma
    out = 0.0
    for r in np.roots([a, b, c]):
        out = out + (1 + r * tau + m0 * tau) / (2 * a * r + b) * np.exp(r * t)
    return np.real(out)


def test_percus_yevick_compressibility_limit():
    phi = 0.3
    assert py_structure_factor(np.array([1e-5]), phi)[0] == pytest.approx(
        (1 - phi) ** 4 / (1 + 2 * phi) ** 2, rel=1e-8)
    # the main peak of dense hard spheres sits near k = 2 pi / 0.9
    S = py_structure_factor(K, 0.5)
    assert 6.6 < K[np.argmax(S)] < 7.4


def test_exponential_memory_matches_analytic_solution():
    g, m0, tau = 1.0, 5.0, 10.0
    kern = lambda F, t: m0 * np.exp(-t / tau) * np.ones_like(F)  # noqa: E731
    coarse = solve_memory_equation(1.0, g, kern, t_max=1e4, h0=1e-6, n=256)
    fine = solve_memory_equation(1.0, g, kern, t_max=1e4, h0=1e-6, n=1024)
    err_c = np.abs(coarse.F - _exponential_memory_exact(coarse.t, g, m0, tau)).max()
    err_f = np.abs(fine.F - _exponential_memory_exact(fine.t, g, m0, tau)).max()
    assert err_f < 1e-5 and err_f < err_c / 4  # converges with the block size


def test_time_doubling_agrees_with_uniform_grid():
    kern = SchematicF12(0.0, 3.5)
    uni = solve_memory_equation(1.0, 1.0, kern, t_max=2.0, h0=2e-4, n=10240, uniform=True)
    dbl = solve_memory_equation(1.0, 1.0, kern, t_max=2.0, h0=1e-7, n=512)
    ref = np.interp(dbl.t, uni.t, uni.F)
    window = (dbl.t > 1e-3) & (dbl.t <= 2.0)
    assert np.abs(dbl.F[window] - ref[window]).max() < 1e-4


def test_newtonian_short_time_and_decay():
    kern = SchematicF12(0.0, 1.0)
    sol = solve_memory_equation(1.0, 1.0, kern, alpha=1.0, beta=0.0, t_max=1e3, h0=1e-6, n=256)
    early = sol.t < 1e-2
    np.testing.assert_allclose(sol.F[early], 1 - 0.5 * sol.t[early] ** 2, atol=1e-6)
    assert abs(sol.F[-1]) < 1e-3  # liquid: decays


def test_f2_critical_coupling_is_four():
    vc = critical_point(lambda v: SchematicF12(0.0, v), 3.0, 5.0, tol=1e-6)
    assert vc == pytest.approx(4.0, abs=1e-5)


@pytest.mark.parametrize("lam", [0.6, 0.75, 0.9])
def test_f12_critical_line(lam):
    v1, v2 = f12_critical_line(lam)
    xc = critical_point(lambda x: SchematicF12(v1 * x, v2 * x), 0.9, 1.1, tol=1e-7)
    assert xc == pytest.approx(1.0, abs=1e-5)


def test_beta_exponents_from_lambda():
    a, b = exponents_from_lambda(0.735)  # PY hard spheres
    assert a == pytest.approx(0.312, abs=1e-3) and b == pytest.approx(0.583, abs=1e-3)
    a, b = exponents_from_lambda(0.5)  # F2 model: b = 1
    assert b == pytest.approx(1.0, abs=1e-6)


def test_py_hard_sphere_critical_packing_fraction():
    """Standard grid N_k = 100, k_max = 40, k_i = (i - 1/2) dk: phi_c = 0.515912 (Franosch et al.)."""
    phi_c = critical_point(_pyhs, 0.5155, 0.5165, tol=2e-7)
    assert phi_c == pytest.approx(0.515912, abs=2e-5)


def test_py_hard_spheres_liquid_decays_glass_arrests():
    liquid = _pyhs(0.51)
    sol = liquid.solve(t_max=1e10, h0=1e-10 / 32, n=64, tol=1e-9)
    assert np.abs(sol.F[-1] / liquid.S).max() < 1e-6
    glass = _pyhs(0.52)
    sol = glass.solve(t_max=1e10, h0=1e-10 / 32, n=64, tol=1e-9)
    f, _ = nonergodicity_parameter(glass, glass.S, glass.gamma)
    peak = np.argmax(glass.S)
    assert f[peak] / glass.S[peak] > 0.8
    np.testing.assert_allclose(sol.F[-1], f, atol=1e-4 * glass.S.max())


def test_kernel_input_validation():
    with pytest.raises(ValueError, match="midpoint grid"):
        OneComponentMCT(np.linspace(0, 40, 100), np.ones(100), 1.0)
    with pytest.raises(ValueError, match="finite and positive"):
        OneComponentMCT(K, -np.ones(100), 1.0)


@pytest.mark.parametrize("lam", [0.6, 0.75, 0.9])
def test_exponent_parameter_of_f12(lam):
    v1, v2 = f12_critical_line(lam)
    kern = SchematicF12(v1 * (1 + 1e-12), v2 * (1 + 1e-12))
    f, _ = nonergodicity_parameter(kern, np.array([1.0]), np.array([1.0]), tol=1e-14)
    assert exponent_parameter(kern, f) == pytest.approx(lam, abs=5e-4)


def test_py_hard_sphere_exponent_parameter():
    """lambda -> 0.735 at phi_c; approached as sqrt(phi - phi_c), so extrapolate from two points."""
    phi_c = 0.5159121
    lams = []
    for d in (1e-5, 1e-6):
        kern = _pyhs(phi_c + d)
        f, _ = nonergodicity_parameter(kern, kern.S, kern.gamma)
        lams.append(exponent_parameter(kern, f))
    x = np.sqrt([1e-5, 1e-6])
    lam_c = lams[1] - (lams[0] - lams[1]) / (x[0] - x[1]) * x[1]
    assert lam_c == pytest.approx(0.735, abs=3e-3)
