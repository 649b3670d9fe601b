"""Run independent work units on local processes or a Dask cluster (no home-made scheduler), and
the file-level guarantees every campaign relies on.

``execute(func, jobs, on_result, ...)`` calls ``func(*args)`` for every ``(key, args)`` in
``jobs`` and hands each result to ``on_result(key, result)`` in the parent process as soon as it is
ready (which writes it atomically), so a killed run loses at most the units in flight.

Failure handling (measured by kill -9 experiments, see tests/test_reliability.py):

- local pool: a worker that dies (killed, out of memory) breaks ``ProcessPoolExecutor``; the pool
  is restarted and the units that were in flight are resubmitted, as Dask does.  A unit in flight
  at ``max_failures`` worker deaths is reported by name (``UnitFailed``), not retried forever.
  Workers exit when the parent process dies (Linux ``PR_SET_PDEATHSIG``; elsewhere they notice at
  their next unit).
- Dask: the scheduler's own retry (``distributed.scheduler.allowed-failures``) handles lost workers;
  when the cluster has had no worker for ``worker_timeout`` seconds the run stops with a clear
  message (``None``: keep waiting).

``OutputLock`` keeps two runs off the same output; ``remove_stale_temporaries`` clears what a
killed writer of :func:`glassdyn.io.atomic.atomic_path` left behind.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path


__all__ = ["execute", "OutputLock", "remove_stale_temporaries", "UnitFailed", "NoWorkers"]

log = logging.getLogger(__name__)


class UnitFailed(RuntimeError):
    """A unit killed its worker ``max_failures`` times."""


class NoWorkers(RuntimeError):
    """A Dask cluster had no worker for longer than the allowed timeout."""


def _die_with_parent(parent_pid: int) -> None:
    """Pool-worker initializer: ask the kernel to kill this worker when its parent dies."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def execute(func, jobs, on_result, workers: int = 1, scheduler=None, progress: bool = True,
            desc: str = "units", max_failures: int = 3, worker_timeout: float | None = 120.0) -> None:
    """Run ``func(*args)`` for each ``(key, args)`` in ``jobs``.

    workers : local processes (1: in this process).
    scheduler : a Dask ``distributed.Client`` or a scheduler address (takes precedence).
    max_failures : local pool: worker deaths a unit may be in flight for before it is reported.
    worker_timeout : Dask: seconds without any worker before giving up (None: wait forever).
    """
    from tqdm import tqdm

    jobs = list(jobs)
    bar = tqdm(total=len(jobs), desc=desc, disable=not progress or not jobs)

    def done(key, result):
        on_result(key, result)
        bar.update()

    try:
        if scheduler is not None:
            _execute_dask(func, jobs, done, scheduler, worker_timeout)
        elif workers <= 1:
            for key, args in jobs:
                done(key, func(*args))
        else:
            _execute_pool(func, jobs, done, workers, max_failures)
    finally:
        bar.close()


def _execute_pool(func, jobs, done, workers, max_failures):
    # spawn, not fork: a forked child of a process that already runs OpenMP / torch / MPI threads
    # can deadlock inside LAMMPS (seen in the test suite after torch was used).  At most `workers`
    # units are submitted at a time, so the units in flight when a worker dies are known.
    ctx = multiprocessing.get_context("spawn")
    queue = list(jobs)
    failures = {key: 0 for key, _ in jobs}
    while queue:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_die_with_parent,
                                   initargs=(os.getpid(),))
        in_flight = {}
        lost = []
        try:
            while queue or in_flight:
                while queue and len(in_flight) < workers:
                    key, args = queue.pop(0)
                    in_flight[pool.submit(func, *args)] = (key, args)
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for fut in finished:
                    job = in_flight.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        lost.append(job)
                        continue
                    done(job[0], result)
                if lost:
                    lost += list(in_flight.values())
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if lost:
            for key, _ in lost:
                failures[key] += 1
            dead = [key for key, _ in lost if failures[key] >= max_failures]
            if dead:
                raise UnitFailed(f"unit(s) {', '.join(map(str, dead))} were running when a worker process "
                                 f"died, {max_failures} times (out of memory? a crash in LAMMPS?); the "
                                 "finished units are saved: rerun to continue")
            log.warning(f"a worker process died; restarting the pool and resubmitting the "
                        f"{len(lost)} unit(s) in flight")
            queue = lost + queue


def _execute_dask(func, jobs, done, scheduler, worker_timeout):
    from distributed import Client, wait as dask_wait
    from distributed.client import FIRST_COMPLETED as DASK_FIRST
    from distributed.scheduler import KilledWorker

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(func, *args, pure=False): key for key, args in jobs}
        pending = set(futures)
        no_worker_since = None
        while pending:
            try:
                res = dask_wait(list(pending), timeout=2.0, return_when=DASK_FIRST)
                finished = res.done
            except TimeoutError:
                finished = set()
            for fut in finished:
                pending.discard(fut)
                try:
                    result = fut.result()
                except KilledWorker as exc:
                    raise UnitFailed(f"unit {futures[fut]} killed its Dask workers repeatedly "
                                     f"({exc}); the other finished units are saved") from None
                done(futures[fut], result)
            if finished or worker_timeout is None:
                no_worker_since = None
                continue
            if client.scheduler_info().get("workers"):
                no_worker_since = None
            elif no_worker_since is None:
                no_worker_since = time.monotonic()
            elif time.monotonic() - no_worker_since > worker_timeout:
                raise NoWorkers(f"the Dask cluster at {client.scheduler.address} has had no worker for "
                                f"{worker_timeout:g} s ({len(pending)} units waiting; finished units are "
                                "saved): start workers and rerun, or pass a longer --worker-timeout")
    finally:
        if not isinstance(scheduler, Client):
            client.close()


def remove_stale_temporaries(store) -> list:
    """Remove the temporaries :func:`atomic_path` leaves when a writer is killed: ``<store>*.tmp``
    beside the store and every ``*.tmp`` under ``<store>.units/``.  Call only while holding the
    store's :class:`OutputLock`."""
    store = Path(store)
    found = list(store.parent.glob(f"{store.name}*.tmp")) if store.parent.is_dir() else []
    units = Path(str(store) + ".units")
    if units.is_dir():
        found += list(units.rglob("*.tmp"))
    for p in found:
        p.unlink(missing_ok=True)
    return found


class OutputLock:
    """An exclusive lock on an output (``<path>.lock``, ``fcntl.flock``): held by the live process
    and released by the kernel when it dies, so a killed run never leaves a stale lock.

    ``with OutputLock(store): ...`` raises ValueError naming the holder's pid when another live
    glassdyn process works on the same output.
    """

    def __init__(self, path):
        self.path = Path(str(path) + ".lock")
        self._fh = None

    def __enter__(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise ValueError(f"another glassdyn run (pid {holder}) is working on {str(self.path)[:-5]}; "
                             "wait for it to finish or choose another output") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc):
        if self._fh is not None:
            self._fh.close()  # releases the flock; the file stays (removing it would race)
            self._fh = None
