"""The ``glassdyn`` command line: one subcommand per stage, a thin layer over the Python API.

Each handler parses its arguments, calls the library, prints the result's summary and saves it.
``main`` chooses matplotlib's file backend and the logging of the ``glassdyn`` logger (messages on
stdout through tqdm, warnings on stderr; ``--quiet`` keeps only warnings).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from .. import __version__
from ..errors import EXIT_BAD_ARGUMENT, EXIT_BAD_FILE, ConvergenceError, InputFileError
from . import analysis, campaigns, collective, glassmlp

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glassdyn", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"glassdyn {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in (glassmlp, analysis, campaigns, collective):
        module.add_parsers(sub)
    return p


class _TqdmHandler(logging.Handler):
    """Log lines through ``tqdm.write`` (progress bars stay intact): info on stdout, warnings on stderr."""

    def emit(self, record):
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stdout if record.levelno < logging.WARNING else sys.stderr)
        except Exception:  # noqa: BLE001 -- logging must never raise
            self.handleError(record)


def _configure_logging(quiet: bool) -> None:
    logger = logging.getLogger("glassdyn")
    handler = _TqdmHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _error(message: str, code: int) -> int:
    from tqdm import tqdm

    for bar in list(getattr(tqdm, "_instances", ())):  # end an interrupted progress bar's line first
        bar.close()
    print(f"glassdyn: error: {message}", file=sys.stderr)
    return code


def _report(exc: Exception) -> int:
    """One line for ``exc`` and the exit code of its kind (see :mod:`glassdyn.errors`)."""
    import errno

    from ..workflows.executor import NoWorkers, UnitFailed

    if isinstance(exc, InputFileError):
        return _error(str(exc), EXIT_BAD_FILE)
    if isinstance(exc, ValueError):
        return _error(str(exc), EXIT_BAD_ARGUMENT)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        what = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            what = "a path component exists and is not a folder"
        return _error(f"{what}{where}", EXIT_BAD_FILE)
    if isinstance(exc, (UnitFailed, NoWorkers, ConvergenceError)):
        return _error(str(exc), EXIT_BAD_FILE)
    return _error(f"{type(exc).__name__}: {exc} (an unexpected failure; GLASSDYN_TRACEBACK=1 shows where)",
                  EXIT_BAD_FILE)


def main(argv=None) -> int:
    """Run the CLI.  Every failure is one line on stderr (no traceback; set GLASSDYN_TRACEBACK=1 to
    see one): exit code 2 for bad arguments or presets, 1 for bad or unwritable files and failed
    runs, 130 when interrupted (rerun the same command to resume)."""
    import shlex

    from ..io.provenance import COMMAND

    args = build_parser().parse_args(argv)
    token = COMMAND.set("glassdyn " + shlex.join(sys.argv[1:] if argv is None else [str(a) for a in argv]))
    try:
        return _run(args)
    finally:
        COMMAND.reset(token)


def _run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")  # the CLI writes figures to files; the library never chooses a backend
    _configure_logging(getattr(args, "quiet", False))
    if getattr(args, "temperature", None) is not None and args.temperature <= 0:
        return _error("--temperature must be positive", EXIT_BAD_ARGUMENT)
    try:
        return args.func(args)
    except Exception as exc:
        if os.environ.get("GLASSDYN_TRACEBACK"):
            raise
        return _report(exc)
    except KeyboardInterrupt:
        return _error("interrupted (finished work is saved: rerun the same command to resume)", 130)


if __name__ == "__main__":
    sys.exit(main())
