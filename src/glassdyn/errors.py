"""The two kinds of bad input glassdyn reports, and the CLI's exit codes.

``UsageError``     bad arguments or preset values (CLI exit code 2);
``InputFileError`` a file that cannot be used: unreadable, corrupt, wrong layout, missing
                   datasets, inconsistent with the other inputs (CLI exit code 1).
``ConvergenceError`` a numerical iteration that stopped at its cap unconverged (a failed run,
                   CLI exit code 1); the message says which cap to raise.

Both are ``ValueError`` subclasses, so ``except ValueError`` in user code keeps working; a plain
``ValueError`` from the library counts as a bad argument.  Operating-system failures (an
unwritable or missing path, a full disk) and failed runs exit with 1.
"""

__all__ = ["UsageError", "InputFileError", "ConvergenceError", "EXIT_BAD_ARGUMENT", "EXIT_BAD_FILE"]

EXIT_BAD_ARGUMENT = 2
EXIT_BAD_FILE = 1


class UsageError(ValueError):
    """Bad arguments or preset values."""


class InputFileError(ValueError):
    """A file that cannot be used (unreadable, corrupt, wrong layout, inconsistent)."""


class ConvergenceError(RuntimeError):
    """An iteration that reached its cap without converging (never a silent unconverged result)."""
