"""Unit functions for the executor tests (importable by spawned worker processes)."""
import os
from pathlib import Path


def square(x):
    return x * x


def die_always(x):
    os._exit(9)  # as a SIGKILL or the OOM killer would end the worker


def die_once(x, marker):
    """Kills its worker the first time it runs (marker file absent), then works."""
    marker = Path(marker)
    if not marker.exists():
        marker.write_text("died")
        os._exit(9)
    return x * x
