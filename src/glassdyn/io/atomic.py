"""Atomic file writes: the one helper behind every file glassdyn writes whole.

A killed process leaves either the old file or the new one, never a torn one.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["atomic_path", "atomic_savez", "atomic_write_text"]


@contextmanager
def atomic_path(path):
    """Write ``path`` atomically: yields a temporary path in the same folder; when the block ends
    without error the file is fsync'd, renamed into place and the folder fsync'd; otherwise the
    temporary file is removed.  The one helper behind every file glassdyn writes whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_savez(path, **arrays) -> None:
    """``np.savez`` written through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)


def atomic_write_text(path, text: str) -> None:
    """A text file written through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
