"""glassdyn: predict the dynamics of glass-forming liquids from their static structure."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("glassdyn")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+local"

from .systems import Configuration, get_potential, get_system  # noqa: E402

__all__ = ["__version__", "Configuration", "get_potential", "get_system"]
