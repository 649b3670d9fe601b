import numpy as np
import pytest

from glassdyn.structure import CONVENTIONS, convert_partials, total_structure_factor
from glassdyn.theory import identical_mixture, midpoint_grid, py_mixture_structure_factor, py_structure_factor

K = midpoint_grid(100, 40.0)
X = np.array([0.8, 0.2])


def test_round_trips_and_limits():
    S = py_mixture_structure_factor(K, np.array([1.0, 0.88]), X, 0.5)
    for a in CONVENTIONS:
        for b in CONVENTIONS:
            back = convert_partials(convert_partials(S, X, "number", a), X, a, b)
            np.testing.assert_allclose(convert_partials(back, X, b, "number"), S, atol=1e-12)
    large = py_mixture_structure_factor(np.array([300.0]), np.array([1.0, 0.88]), X, 0.5)
    np.testing.assert_allclose(convert_partials(large, X, "number", "ashcroft-langreth")[0], np.eye(2), atol=5e-3)
    np.testing.assert_allclose(convert_partials(large, X, "number", "faber-ziman")[0], np.ones((2, 2)), atol=0.1)


def test_identical_particles_total_equals_one_component():
    S1 = py_structure_factor(K, 0.45)
    Sm = identical_mixture(S1, X)
    np.testing.assert_allclose(total_structure_factor(Sm, X), S1, atol=1e-12)
    # Faber-Ziman partials of identical particles all equal the one-component S(k)
    fz = convert_partials(Sm, X, "number", "faber-ziman")
    for a in range(2):
        for b in range(2):
            np.testing.assert_allclose(fz[:, a, b], S1, atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown convention"):
        convert_partials(np.ones((3, 2, 2)), X, "number", "bhatia")
    with pytest.raises(ValueError, match="trailing shape"):
        convert_partials(np.ones((3, 3, 3)), X, "number", "faber-ziman")
    with pytest.raises(ValueError, match="sum to 1"):
        convert_partials(np.ones((3, 2, 2)), np.array([0.5, 0.6]), "number", "faber-ziman")
