"""Learning: GlassMLP (PyTorch), its loss, and baselines (Ridge, MLP(mae), single descriptors)."""
from .baselines import RidgeBaseline, mean_pearson, pearson, single_descriptor_correlations
from .glassmlp import JUNG2023_SCHEDULE, GlassMLP, GlassMLPEnsemble, load_model
from .losses import glassmlp_loss, shell_weights, spatial_correlation
from .transferable import ExtrapolationWarning, TransferableGlassMLP

__all__ = ["GlassMLP", "GlassMLPEnsemble", "load_model", "JUNG2023_SCHEDULE", "RidgeBaseline", "pearson",
           "mean_pearson", "single_descriptor_correlations", "glassmlp_loss", "shell_weights", "spatial_correlation",
           "TransferableGlassMLP", "ExtrapolationWarning"]
