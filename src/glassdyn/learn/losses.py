"""The GlassMLP loss (Jung 2023 SM Eq. 6-7 as the reference program computes it), evaluated per
configuration (one batch = the selected particles of one configuration):

    L = mean|X_pred - X_true| / s
        + w_v |Var X_pred - Var X_true| / Var X_true
        + sum_d w_d |C(X_pred, d) - C(X_true, d)| / C_N

    C(X, d) = sum_i dX_i [sum_j g_ij(d) dX_j] / sum_i dX_i^2,   dX = X - mean(X)
    g_ij(d) = exp(-(R_ij - d)^2 / 2) / n_i(d),  n_i(d) = sum_j exp(-(R_ij - d)^2 / 2)
    C_N     = |C(X_true, d_min) - C(X_true, d_max)|

Where the paper and the reference program (StructDynGlass ``machine_learning_mlptrain.py``)
differ, the default is the program's: shells d = 2, 5, 8 (paper: 2, 4, 6); each particle's shell
sum divided by its own shell weight n_i(d) (``row_normalised=True``; the paper's Eq. 7 has none);
the MAE scale s the standard deviation of all training labels of that time (``mae_scale``; the
paper's Eq. 6 divides by that of the batch, the default when ``mae_scale`` is None).  The sums
include i = j (as the program's).  The paper typesets the variance term without an absolute value and
the Gaussian as exp(+(R - d)^2 / 2); a loss must penalise both signs of the variance error and the
Gaussian shell must decay, so glassdyn (and the program) use |.| and exp(-(R - d)^2 / 2).  The shell
weights depend only on the (inherent-structure) positions, so they are computed once per
configuration.  For bond breaking the program evaluates C(d) on 1 - C_B; with dX mean-subtracted
that is the same C(d).

Optional noise correction (not in the paper): a propensity estimated from n replicas carries
per-particle noise of variance nu = <Var_replicas(X_i)> / n, which inflates Var(X_true) by nu and,
for noise uncorrelated between particles, lowers C(X_true, d).  With ``noise = nu`` the targets become the
unbiased Var(X_true) - nu and C = (sum_ij dX_i dX_j g_ij - nu sum_i g_ii) / (sum_i dX_i^2 - N nu),
unbiased for uncorrelated noise.
The MAE normalisation is unchanged.  ``noise = 0`` is the paper's loss.  Replica noise of real
propensities is spatially correlated (a replica relaxes in clusters), so the correction is exact for
the variance and the denominator but leaves the correlated part of the noise in the numerator of C
(measured magnitudes in docs/validation.md).
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["shell_weights", "spatial_correlation", "glassmlp_loss", "DISTANCES", "PAPER_DISTANCES"]

#: the reference program's shell distances (the default)
DISTANCES = (2.0, 5.0, 8.0)
#: the paper's (SM II.B)
PAPER_DISTANCES = (2.0, 4.0, 6.0)


def shell_weights(positions, box, distances=DISTANCES, row_normalised: bool = False) -> torch.Tensor:
    """Gaussian shell matrices exp(-(R_ij - d)^2 / 2) (n_d, n, n), minimum image, float64, i = j
    included; ``row_normalised``: each row divided by its sum n_i(d) (the reference program's C(d))."""
    x = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float)
    dr = x[:, None, :] - x[None, :, :]
    dr -= box * np.round(dr / box)
    r = np.sqrt((dr**2).sum(-1))
    w = np.stack([np.exp(-0.5 * (r - d) ** 2) for d in distances])
    if row_normalised:
        w /= w.sum(axis=-1, keepdims=True)
    return torch.from_numpy(w)


def spatial_correlation(x: torch.Tensor, weights: torch.Tensor, noise: float = 0.0) -> torch.Tensor:
    """C(X, d) for every shell: x (n,), weights (n_d, n, n) -> (n_d,); ``noise`` = per-particle
    noise variance nu of x to remove (see the module docstring)."""
    dx = x - x.mean()
    weights = weights.to(dx.dtype)
    # (n_d, n, n) @ (n,) then a dot product: a batched matrix-vector product, ~6x faster than the
    # equivalent einsum, which copies the (n_d, n, n) tensor on every call
    num, den = (weights @ dx) @ dx, (dx * dx).sum()
    if noise:
        num = num - noise * weights.diagonal(dim1=1, dim2=2).sum(-1)
        den = den - noise * dx.numel()
    return num / den


def glassmlp_loss(pred: torch.Tensor, true: torch.Tensor, weights: torch.Tensor | None = None,
                  w_v: float = 0.0, w_d: float = 0.0, c_true: torch.Tensor | None = None,
                  noise: float = 0.0, transform=None, mae_scale=None) -> torch.Tensor:
    """Loss of one configuration; ``weights`` from :func:`shell_weights` (needed when w_d > 0);
    ``c_true`` = spatial_correlation(transform(true), weights, noise) if already known (constant in
    training); ``noise`` = label noise variance nu (0: the paper's loss); ``transform`` (optional,
    differentiable) maps the field before the variance and C(d) terms (the smooth overlap of seed
    SM VI for displacement propensities); the MAE term always compares the raw fields, divided by
    ``mae_scale`` (the reference: the standard deviation of all training labels) or, when None, by
    the standard deviation of ``true`` (the paper's Eq. 6)."""
    var_raw = true.var(unbiased=False)
    scale = var_raw.sqrt() if mae_scale is None else mae_scale
    loss = (pred - true).abs().mean() / scale
    if transform is not None and (w_v or w_d):  # the MAE-only phases never need the transform
        pred, true = transform(pred), transform(true)
        var_raw = true.var(unbiased=False)
    var_true = var_raw - noise
    if noise and var_true <= 0:
        raise ValueError(f"label noise variance {noise:.3g} is not below the label variance {float(var_raw):.3g}")
    if w_v:
        loss = loss + w_v * (pred.var(unbiased=False) - var_true).abs() / var_true
    if w_d:
        if weights is None:
            raise ValueError("the spatial-correlation term needs the shell weights")
        c_true = spatial_correlation(true, weights, noise) if c_true is None else c_true
        c_norm = (c_true[0] - c_true[-1]).abs()
        loss = loss + w_d * (spatial_correlation(pred, weights) - c_true).abs().sum() / c_norm
    return loss
