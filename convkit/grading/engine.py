"""Where grading tasks run: Dask ``distributed``, embedded or on an existing cluster.

``--jobs N`` starts a ``distributed.LocalCluster`` of N worker processes with one thread
each (a task is one submission, so N tasks run at a time); ``--scheduler ADDRESS`` connects
to a running cluster instead (``dask scheduler`` and ``dask worker`` processes with convkit
installed). Either way a worker that dies (killed, out of memory, its machine lost) has its
tasks run again on another worker by the scheduler; the main process receives exactly one
result per task.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["Engine", "TaskCrashed"]


class TaskCrashed(RuntimeError):
    """A task raised, or killed every worker it ran on (``distributed``'s KilledWorker)."""


class Engine:
    """A Dask client for one grading run (a context manager).

    Parameters
    ----------
    jobs : int
        Worker processes of the embedded ``LocalCluster`` (ignored with ``scheduler``).
    scheduler : str or None
        The address of an existing scheduler, e.g. ``tcp://10.0.0.5:8786``.
    """

    def __init__(self, jobs: int = 1, scheduler: str | None = None) -> None:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be an int of at least 1; got {jobs!r}")
        if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
            raise ValueError("scheduler must be an address such as tcp://HOST:8786; "
                             f"got {scheduler!r}")
        self.jobs = jobs
        self.scheduler = scheduler
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> Engine:
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            # quiet, no dashboard; the workers' own memory manager stays on
            self._cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout="10s")
            except OSError as exc:
                raise ConnectionError(f"cannot reach the Dask scheduler at --scheduler "
                                      f"{self.scheduler}: {exc}") from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    @property
    def workers(self) -> int:
        """How many workers the scheduler knows now."""
        return len(self._client.scheduler_info(n_workers=-1).get("workers", {}))

    def share(self, value: Any) -> Any:
        """Put ``value`` on the cluster once; tasks given the returned future receive it.

        It is a task returning ``value``, not scattered data: if the worker holding it dies,
        the scheduler computes it again elsewhere (scattered data would be lost, and every
        task needing it would fail).
        """
        return self._client.submit(_value, value, key=f"convkit-shared-{uuid.uuid4().hex}",
                                   pure=False)

    def submit(self, fn: Callable[..., Any], *args: Any, key: str) -> Any:
        """Run ``fn(*args)`` as the task ``key`` (a name: equal keys are one task)."""
        return self._client.submit(fn, *args, key=key, pure=False, retries=0)

    def results(self, futures: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """``(future, result)`` as tasks finish; a failed task's result is a TaskCrashed."""
        from distributed import as_completed

        for future in as_completed(list(futures)):
            try:
                value = future.result()
            except Exception as exc:  # the task raised, or killed its workers
                value = TaskCrashed(f"{type(exc).__name__}: {exc}")
            yield future, value
            future.release()


def _value(value: Any) -> Any:
    return value
