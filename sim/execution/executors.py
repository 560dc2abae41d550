"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

Every run, sweep and calibration hands its work to an executor as a list of *tasks* and one
*context*: ``fn(context, task)`` computes one task where a worker is. The context (a prepared
scenario, a sweep's base) travels once per worker, not once per task. An executor yields
``(index, result)`` pairs as tasks finish, in any order; the caller puts results in their
place by index, so the executor, the worker count and the completion order never change the
numbers.

A worker that dies (killed, out of memory) never ends the command with a traceback: its task is
tried again, up to ``max_attempts`` times in all, and a task that keeps killing its worker comes
back as a :class:`TaskFailed` for the caller to report (a run stops with one paragraph, a sweep
records the point as failed and goes on). An exception raised *by* ``fn`` is a bug in the
model code and keeps its traceback.

- :class:`InProcess`: a plain loop (debugging, notebooks, one core).
- :class:`LocalProcesses`: ``concurrent.futures.ProcessPoolExecutor`` with at most one task per
  worker in flight, so the tasks lost with a dead worker are exactly the ones it was running.
  After a worker death, the tasks that were in flight are run again *one at a time*, so the task
  that kills its worker is found and the others are not blamed for it.
- :class:`DaskCluster`: ``dask.distributed`` on a running scheduler (``address``) or on a
  ``LocalCluster`` started here. Dask reschedules the tasks of a lost worker itself and reports
  a task that keeps killing workers as ``KilledWorker`` (its ``allowed-failures`` setting).
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from ..errors import UserError

MAX_ATTEMPTS = 3          # a task may kill its worker twice; the third death is its failure


@dataclass(frozen=True)
class TaskFailed:
    """A task whose worker died on every attempt (killed, or out of memory)."""

    attempts: int
    reason: str

    def __str__(self) -> str:
        return f"its worker process died {self.attempts} times ({self.reason})"


def default_workers() -> int:
    """The cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class Executor:
    """The interface: ``session(fn, context)`` opens the workers (a context manager) and gives a
    :class:`Session`; ``run(fn, context, tasks)`` is a session for one batch of tasks."""

    workers = 1

    def describe(self) -> str:
        raise NotImplementedError

    @contextmanager
    def session(self, fn: Callable, context) -> Iterator["Session"]:
        raise NotImplementedError
        yield

    def run(self, fn: Callable, context, tasks: Sequence) -> Iterator[tuple[int, object]]:
        with self.session(fn, context) as s:
            yield from s.run(tasks)


class Session:
    """Open workers holding one context; ``run(tasks)`` may be called many times (a calibration
    runs a batch per proposal round on the same workers). ``workers`` says how many tasks run at
    once, so a caller can split its work evenly."""

    workers = 1

    def run(self, tasks: Sequence) -> Iterator[tuple[int, object]]:
        raise NotImplementedError


# ---- in this process ----------------------------------------------------------------------------

class InProcess(Executor):
    """Tasks one after another in this process."""

    def describe(self) -> str:
        return "this process"

    @contextmanager
    def session(self, fn, context):
        yield _InProcessSession(fn, context)


class _InProcessSession(Session):
    def __init__(self, fn, context):
        self.fn, self.context = fn, context

    def run(self, tasks):
        for i, task in enumerate(tasks):
            yield i, self.fn(self.context, task)


# ---- local worker processes ---------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(fn, context) -> None:
    _WORKER["fn"], _WORKER["context"] = fn, context


def _call(task):
    return _WORKER["fn"](_WORKER["context"], task)


class LocalProcesses(Executor):
    """Tasks in ``workers`` local processes (1: in this process, no pool)."""

    def __init__(self, workers: int | None = None, max_attempts: int = MAX_ATTEMPTS):
        self.workers = max(1, int(workers if workers is not None else default_workers()))
        self.max_attempts = max_attempts

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def run(self, fn, context, tasks):
        if len(tasks) <= 1:        # no pool for a single task: same numbers, no start-up cost
            yield from _InProcessSession(fn, context).run(tasks)
            return
        yield from super().run(fn, context, tasks)

    @contextmanager
    def session(self, fn, context):
        if self.workers == 1:
            yield _InProcessSession(fn, context)
            return
        s = _PoolSession(fn, context, self.workers, self.max_attempts)
        try:
            yield s
        finally:
            s.close()


class _PoolSession(Session):
    """A process pool that is rebuilt when a worker dies."""

    def __init__(self, fn, context, workers: int, max_attempts: int):
        self.fn, self.context, self.workers, self.max_attempts = fn, context, workers, max_attempts
        self.pool: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(self.fn, self.context))
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _broken(self) -> None:
        """Drop a pool that lost a worker (its other workers are ended with it)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None

    def run(self, tasks):
        queue, suspects = deque(range(len(tasks))), deque()
        attempts = [0] * len(tasks)
        running: dict = {}
        try:
            while queue or suspects or running:
                lost = []
                broke = not self._submit(tasks, queue, suspects, running)   # between two tasks
                if not broke:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = running.pop(fut)
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            lost.append(i)
                            continue
                        yield i, result
                if broke or lost:
                    lost += list(running.values())        # every task in flight died with the pool
                    running.clear()
                    self._broken()
                    yield from self._retry(lost, attempts, suspects)
        finally:
            for fut in running:
                fut.cancel()

    def _submit(self, tasks, queue, suspects, running) -> bool:
        """Fill the workers: ordinary tasks up to one per worker; a suspect only alone. False if
        the pool turned out to be broken (the task not submitted goes back to its queue)."""
        if suspects:
            if not running:
                return self._submit_one(tasks, suspects, running)
            return True
        while queue and len(running) < self.workers:
            if not self._submit_one(tasks, queue, running):
                return False
        return True

    def _submit_one(self, tasks, source: deque, running: dict) -> bool:
        i = source.popleft()
        try:
            running[self._pool().submit(_call, tasks[i])] = i
        except BrokenProcessPool:
            source.appendleft(i)
            return False
        return True

    def _retry(self, lost, attempts, suspects):
        for i in lost:
            attempts[i] += 1
            if attempts[i] >= self.max_attempts:
                yield i, TaskFailed(attempts[i], "killed, or out of memory")
            else:
                suspects.append(i)


# ---- Dask ---------------------------------------------------------------------------------------

class DaskCluster(Executor):
    """Tasks on a Dask cluster: a running scheduler at ``address`` (``dask scheduler`` and ``dask
    worker``, or any deployment: Kubernetes, HPC queues via dask-jobqueue), or a LocalCluster of
    ``local_workers`` single-threaded processes started and stopped here."""

    def __init__(self, address: str | None = None, local_workers: int | None = None):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UserError("Dask is not installed: install it with pip install -e \".[cluster]\" "
                            "(dask.distributed), or run on local processes (--workers)") from None
        self.address, self.local_workers = address, local_workers
        self.workers = local_workers or 1

    def describe(self) -> str:
        return (f"Dask scheduler {self.address}" if self.address
                else f"Dask LocalCluster of {self.local_workers} worker process(es)")

    def _client(self):
        from distributed import Client, LocalCluster

        if self.address:
            try:
                return Client(self.address, timeout="20s"), None
            except (OSError, TimeoutError) as exc:
                raise UserError(f"--scheduler {self.address}: cannot reach a Dask scheduler there ({exc}); "
                                "start one with 'dask scheduler' and workers with 'dask worker ADDRESS'") from None
        import dask

        # one task per worker at a time: a worker's death is then charged to its own task only
        with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
            cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        return Client(cluster), cluster

    @contextmanager
    def session(self, fn, context):
        client, cluster = self._client()
        try:
            # the context as a task's result, not scattered data: if every worker holding it dies,
            # the scheduler computes it again (scattered data would be lost with them)
            yield _DaskSession(client, fn, client.submit(_identity, context, pure=False))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _identity(x):
    return x


class _DaskSession(Session):
    def __init__(self, client, fn, context_future):
        self.client, self.fn, self.context = client, fn, context_future
        self.workers = max(1, sum(client.nthreads().values()))

    def run(self, tasks):
        from distributed import KilledWorker, as_completed
        from distributed.client import FutureCancelledError

        futures = {self.client.submit(self.fn, self.context, task, pure=False): i for i, task in enumerate(tasks)}
        try:
            for fut in as_completed(futures):
                try:
                    result = fut.result()
                except (KilledWorker, FutureCancelledError) as exc:
                    result = TaskFailed(MAX_ATTEMPTS, f"Dask lost its worker: {exc}")
                yield futures[fut], result
        finally:
            self.client.cancel(list(futures))


def make_executor(workers: int | None = None, dask_local: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """The executor the command-line options ask for (``--workers``, ``--dask-local``,
    ``--scheduler``); by default local processes on every core."""
    if scheduler or dask_local:
        return DaskCluster(address=scheduler, local_workers=dask_local)
    return LocalProcesses(workers)
