"""Where runs execute: this process, a local pool of worker processes, or a Dask cluster.

Every executor takes a picklable top-level function and an iterable of small tasks, keeps a
bounded number in flight (so the parent's memory does not grow with the number of tasks), and
hands each result to a callback as it arrives, in whatever order runs finish. A run's result
depends only on its task (scenario and seed), so the same tasks give the same results on any
executor. Ctrl-C raises KeyboardInterrupt in the caller after cancelling what has not started.

- :class:`LocalExecutor` (default): ``workers`` processes from the standard library's
  ProcessPoolExecutor, started by :func:`gtmsim.experiments.processes.pool_context` (fork, or a
  fork server in a threaded parent), dying with their parent.
- :class:`DaskExecutor`: ``local:N`` starts a Dask LocalCluster of N single-threaded worker
  processes; ``tcp://HOST:PORT`` connects to a running ``dask scheduler`` whose workers have
  gtmsim installed. Tasks travel as scenario JSON (a few KB); results come back as summaries and
  Arrow IPC bytes (~75 KB a run).
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import islice
from typing import Any

from gtmsim.experiments.processes import die_with_parent, pool_context

#: Tasks kept in flight per worker: enough to keep workers busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2


class ExecutorError(Exception):
    """An executor that cannot start (a bad --dask address, an unreachable scheduler)."""


class LocalExecutor:
    """This process (``workers`` = 1) or a pool of ``workers`` processes."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def run(
        self, function: Callable[[Any], Any], tasks: Iterable[Any], on_result: Callable[[Any], None]
    ) -> None:
        if self.workers == 1:
            for task in tasks:
                on_result(function(task))
            return
        context = pool_context()
        parent = os.getpid() if context.get_start_method() == "fork" else None
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=die_with_parent,
            initargs=(parent,),
        )
        try:
            _bounded(pool.submit, function, iter(tasks), on_result, self.workers)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()


def _bounded(
    submit: Callable[..., Any],
    function: Callable[[Any], Any],
    tasks: Iterator[Any],
    on_result: Callable[[Any], None],
    workers: int,
) -> None:
    """Keep at most ``workers`` x IN_FLIGHT_PER_WORKER futures pending; feed results on."""
    limit = workers * IN_FLIGHT_PER_WORKER
    pending = {submit(function, task) for task in islice(tasks, limit)}
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            on_result(future.result())
        for task in islice(tasks, len(finished)):
            pending.add(submit(function, task))


#: Dask settings for the workers of a LocalCluster started here: no statistical profiler (a
#: stack sample every 10 ms) and no GIL monitor (every 1 ms), which tax pure-Python runs, and
#: no MALLOC_TRIM_THRESHOLD_ (setting it turns off glibc's adaptive mmap threshold, so every
#: numpy temporary over 128 KB is mapped and unmapped). A remote cluster's workers take these
#: from their own environment (README, "Sweeps on a cluster").
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
}


class DaskExecutor:
    """A Dask cluster: ``local:N`` (a LocalCluster started here) or ``tcp://HOST:PORT``."""

    def __init__(self, address: str) -> None:
        self.address = address
        kind, _, rest = address.partition(":")
        if kind == "local" and rest.isdigit() and int(rest) >= 1:
            self.local_workers: int | None = int(rest)
        elif address.startswith(("tcp://", "tls://", "ucx://")):
            self.local_workers = None
        else:
            raise ExecutorError(
                f"--dask {address!r}: give local:N (start a LocalCluster of N worker processes "
                "here, e.g. local:2) or the address of a running scheduler, e.g. "
                "tcp://10.0.0.5:8786 (start one with `dask scheduler`)."
            )
        self._client = None
        self._cluster = None

    def describe(self) -> str:
        if self.local_workers:
            return f"a Dask LocalCluster of {self.local_workers} worker processes"
        return f"the Dask scheduler at {self.address}"

    def connect(self):
        """The client, started on first use and kept for every later batch (a calibration
        runs hundreds); :meth:`close` (or leaving a ``with`` block) shuts it down."""
        if self._client is not None:
            return self._client
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a dependency
            raise ExecutorError(
                "--dask needs the `distributed` package: pip install distributed"
            ) from None
        try:
            if self.local_workers:
                import dask

                dask.config.set(LOCAL_WORKER_CONFIG)
                self._cluster = LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: no clash with 8787
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.address, timeout="10s")
        except (OSError, TimeoutError) as err:
            self.close()
            raise ExecutorError(
                f"--dask {self.address}: cannot reach the scheduler ({err}). Is `dask "
                "scheduler` running there, and can this machine reach its port?"
            ) from None
        atexit.register(self.close)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(
        self, function: Callable[[Any], Any], tasks: Iterable[Any], on_result: Callable[[Any], None]
    ) -> None:
        from distributed import as_completed

        client = self.connect()
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        iterator = iter(tasks)
        futures = [
            client.submit(function, task, pure=False)
            for task in islice(iterator, workers * IN_FLIGHT_PER_WORKER)
        ]
        queue = as_completed(futures)
        try:
            for future in queue:
                on_result(future.result())
                future.release()
                for task in islice(iterator, 1):
                    queue.add(client.submit(function, task, pure=False))
        except BaseException:
            client.cancel(list(queue.futures))
            raise


#: Anything that runs tasks: a local pool or a Dask cluster.
Executor = LocalExecutor | DaskExecutor


def as_executor(workers: int | Executor) -> Executor:
    """``workers`` as an executor: a number of local processes, or an executor as it is."""
    return LocalExecutor(workers) if isinstance(workers, int) else workers


def local_workers(workers: int | Executor) -> int:
    """Processes on this machine the runs need memory for: a local pool's, else 1 (a Dask
    cluster's workers hold their runs in their own memory; the parent holds the results)."""
    if isinstance(workers, int):
        return workers
    return workers.workers if isinstance(workers, LocalExecutor) else 1
