"""Where a sweep's points run: local worker processes, or a Dask cluster (dask.distributed).

Both take the same tasks (a point index and its overrides) and yield ``PointResult``s as points
finish, in any order; the runner writes each as it comes. A point's numbers depend only on the
point, so the executor, the worker count and the completion order never change the results.

- ``LocalExecutor(workers)``: ``concurrent.futures.ProcessPoolExecutor``; the base scenario is
  sent once per worker process.
- ``DaskExecutor(address=...)`` connects to a running scheduler (``dask scheduler`` /
  ``dask worker``, or any deployment: Kubernetes, HPC job queues via dask-jobqueue);
  ``DaskExecutor(local_workers=N)`` starts a ``LocalCluster`` of N single-threaded worker
  processes. The base scenario is scattered to the workers once.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Iterable, Iterator

from ..scenario.errors import UserError
from .point import PointResult, run_point

# a task: (point, overrides); the sweep-wide settings travel once per worker
Task = tuple[int, dict]

_BASE: dict = {}


def _init_worker(base, replicates, seed, raise_cap) -> None:
    _BASE.update(base=base, replicates=replicates, seed=seed, raise_cap=raise_cap)


def _local_point(task: Task) -> PointResult:
    point, overrides = task
    return run_point(point, _BASE["base"], overrides, _BASE["replicates"], _BASE["seed"], _BASE["raise_cap"])


class LocalExecutor:
    """Points in ``workers`` local processes (1: in this process)."""

    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def run(self, sweep, tasks: Iterable[Task]) -> Iterator[PointResult]:
        settings = (sweep.base, sweep.spec.sweep.replicates, sweep.spec.sweep.seed, sweep.spec.sweep.raise_budget_cap)
        tasks = list(tasks)
        if self.workers == 1:
            _init_worker(*settings)
            for task in tasks:
                yield _local_point(task)
            return
        with ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=settings) as pool:
            futures = [pool.submit(_local_point, t) for t in tasks]
            try:
                for fut in as_completed(futures):
                    yield fut.result()
            finally:
                for fut in futures:
                    fut.cancel()


class DaskExecutor:
    """Points on a Dask cluster: a running scheduler at ``address``, or a LocalCluster of
    ``local_workers`` processes started (and stopped) here."""

    name = "dask"

    def __init__(self, address: str | None = None, local_workers: int | None = None):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UserError("Dask is not installed: install it with pip install -e \".[cluster]\" "
                            "(dask.distributed), or run the sweep on local processes (--workers)") from None
        self.address, self.local_workers = address, local_workers

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
        cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster

    def run(self, sweep, tasks: Iterable[Task]) -> Iterator[PointResult]:
        from distributed import as_completed as dask_completed

        client, cluster = self._client()
        try:
            s = sweep.spec.sweep
            base = client.scatter(sweep.base, broadcast=True)
            futures = [client.submit(run_point, point, base, overrides, s.replicates, s.seed, s.raise_budget_cap,
                                     key=f"point-{point}-{sweep.fingerprint()}", pure=False)
                       for point, overrides in tasks]
            try:
                for fut in dask_completed(futures):
                    yield fut.result()
            finally:
                client.cancel(futures)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
