"""Run independent work units on local processes or a Dask cluster (no home-made scheduler).

Used by the propensity campaigns and the state-point library: ``execute(func, jobs, ...)`` calls
``func(*args)`` for every ``(key, args)`` in ``jobs`` and hands each result to ``on_result(key,
result)`` in the parent process as soon as it is ready (which writes it atomically), so a killed
run loses at most the units in flight.
"""
from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

__all__ = ["execute", "atomic_savez", "atomic_path"]


def execute(func, jobs, on_result, workers: int = 1, scheduler=None, progress: bool = True,
            desc: str = "units") -> None:
    """Run ``func(*args)`` for each ``(key, args)`` in ``jobs``.

    workers : local processes (1: in this process).
    scheduler : a Dask ``distributed.Client`` or a scheduler address (takes precedence).
    """
    from tqdm import tqdm

    jobs = list(jobs)
    bar = tqdm(total=len(jobs), desc=desc, disable=not progress or not jobs)
    try:
        if scheduler is not None:
            from distributed import Client, as_completed as dask_completed

            client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
            try:
                futures = {client.submit(func, *args, pure=False): key for key, args in jobs}
                for fut in dask_completed(list(futures)):
                    on_result(futures[fut], fut.result())
                    bar.update()
            finally:
                if not isinstance(scheduler, Client):
                    client.close()
        elif workers <= 1:
            for key, args in jobs:
                on_result(key, func(*args))
                bar.update()
        else:
            # spawn, not fork: a forked child of a process that already runs OpenMP / torch / MPI
            # threads can deadlock inside LAMMPS (seen in the test suite after torch was used)
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(func, *args): key for key, args in jobs}
                for fut in as_completed(futures):
                    on_result(futures[fut], fut.result())
                    bar.update()
    finally:
        bar.close()


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
