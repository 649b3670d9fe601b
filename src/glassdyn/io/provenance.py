"""One provenance stamp for every file glassdyn writes.

``provenance(parameters=..., seeds=..., inputs=[paths])`` returns a JSON-able dict:

    glassdyn   version;  git: the source tree's revision when it is a git checkout (else None)
    created    ISO time;  command: the command line (``sys.argv``)
    parameters the full system / potential / method parameters of the result
    seeds      the RNG seeds that produced it
    inputs     {path: sha256 of the file's content} (folders: of their files, sorted by name)

npz files carry it as the string array ``provenance``, HDF5 files as the attribute
``provenance``, JSON files under the key ``provenance``, Markdown / HTML in a trailing block.
:func:`read_provenance` reads it back from any of them.
"""
from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

from .. import __version__

__all__ = ["provenance", "provenance_json", "provenance_block", "read_provenance", "file_sha256",
           "git_revision", "save_npz", "save_text", "save_json"]


#: the command a stamp records: set by ``glassdyn.cli.main`` (its argv, also when called in-process);
#: otherwise the process's command line
COMMAND = contextvars.ContextVar("glassdyn_command", default=None)


@functools.lru_cache(maxsize=1)
def git_revision() -> str | None:
    """``git describe --always --dirty`` of the source tree glassdyn runs from, or None."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def file_sha256(path) -> str:
    """sha256 of a file's content; of a folder's files (names and contents, sorted) for a folder."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _jsonable(x):
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "to_dict"):
        return _jsonable(x.to_dict())
    return x


def provenance(parameters: dict | None = None, seeds=None, inputs=()) -> dict:
    """The stamp (see the module docstring); ``inputs`` are paths (files or folders) hashed now."""
    hashed = {}
    for p in inputs:
        p = Path(p)
        hashed[str(p)] = file_sha256(p) if p.exists() else None
    return dict(glassdyn=__version__, git=git_revision(), created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                command=COMMAND.get() or " ".join(sys.argv), parameters=_jsonable(parameters or {}), seeds=_jsonable(seeds),
                inputs=hashed)


def provenance_json(**kwargs) -> str:
    return json.dumps(provenance(**kwargs))


def read_provenance(path) -> dict:
    """The provenance stamp of a file glassdyn wrote (npz, HDF5, JSON, Markdown or HTML)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        import numpy as np

        with np.load(path, allow_pickle=False) as d:
            return json.loads(str(d["provenance"]))
    if suffix in (".h5", ".hdf5"):
        import h5py

        with h5py.File(path, "r") as h:
            return json.loads(h.attrs["provenance"])
    text = path.read_text()
    if suffix == ".json":
        return json.loads(text)["provenance"]
    marker = "glassdyn-provenance:"  # Markdown / HTML comment, or a '#' line of a text table
    if marker not in text:
        raise ValueError(f"{path}: no glassdyn provenance block")
    start = text.rindex(marker) + len(marker)
    end = text.find("\n", start)
    line = text[start:end if end >= 0 else None].strip()
    return json.loads(line[:-3].strip() if line.endswith("-->") else line)


def provenance_block(stamp: dict) -> str:
    """The trailing provenance comment of a Markdown or HTML file ("--" escaped: it may not occur
    inside a comment; outside strings it never occurs in JSON)."""
    body = json.dumps(stamp).replace("--", "-\\u002d")
    return f"\n<!-- glassdyn-provenance: {body} -->\n"


def save_npz(path, arrays: dict, **stamp) -> None:
    """Arrays + the provenance stamp (``provenance(**stamp)``) as one atomic .npz."""
    from .atomic import atomic_savez

    atomic_savez(path, provenance=provenance_json(**stamp), **arrays)


def save_text(path, text: str, **stamp) -> None:
    """Markdown / HTML text with the trailing provenance comment, written atomically."""
    from .atomic import atomic_write_text

    atomic_write_text(path, text.rstrip("\n") + "\n" + provenance_block(provenance(**stamp)))


def save_json(path, obj: dict, **stamp) -> None:
    """A JSON object with the stamp under ``provenance``, written atomically."""
    from .atomic import atomic_write_text

    atomic_write_text(path, json.dumps(dict(obj, provenance=provenance(**stamp)), indent=1))
