"""The Dask distributed cluster ``batch`` runs on: the only module that imports dask.

:func:`connect` gives a client on an existing cluster (``--scheduler``) or on a local cluster of
single-threaded worker processes; :func:`submit_offices` queues one task per office at the
scheduler, :func:`completed` gives them back as they finish. What a task does is
:mod:`routing.batch`'s business; this module knows nothing of offices but their ids.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from routing.errors import ServiceUnreachable, one_line

#: Times Dask runs an office's task again after it raised (worker loss is counted separately, by
#: the scheduler's ``distributed.scheduler.allowed-failures``, default 3).
RETRIES = 2

#: Tasks the scheduler hands a worker per thread (Dask's ``distributed.scheduler.worker-saturation``).
#: Dask's default, 1.1, gives a one-thread worker two offices at once: the second waits behind the
#: first while another worker stands idle at the end of the run (measured: one worker idle for 19 of
#: 53 s). At 1.0 the offices wait at the scheduler and the next free worker takes the next one.
WORKER_SATURATION = 1.0

_log = logging.getLogger(__name__)


@contextmanager
def _dask_logs(level: int) -> Iterator[None]:
    # Dask logs every worker start and stop at INFO (its import sets that level, hence the import
    # first); the officer sees only Dask's errors unless asking for more.
    import distributed  # noqa: F401

    logger = logging.getLogger("distributed")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None,
            dask_log_level: int = logging.ERROR) -> Iterator[Any]:
    """A Dask client: on an existing cluster (``scheduler``), else on a local cluster of processes.

    The local cluster has ``workers`` single-threaded worker processes (default: one per core).
    Dask's own log lines below ``dask_log_level`` are dropped while the client is open.

    Raises
    ------
    ServiceUnreachable
        The scheduler cannot be reached (exit 3).
    """
    with _dask_logs(dask_log_level):
        with _client(workers, scheduler, dask_log_level) as client:
            yield client


@contextmanager
def _client(workers: int | None, scheduler: str | None, dask_log_level: int) -> Iterator[Any]:
    from dask import config as dask_config
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ServiceUnreachable(f"Dask scheduler {scheduler}: cannot connect ({one_line(str(exc))}); "
                                     "is `dask scheduler` running there?") from None
        saturation = scheduler_saturation(client)
        if saturation is not None and saturation > WORKER_SATURATION:
            _log.warning("Dask scheduler %s gives a worker thread up to %s offices at once, so an office can wait "
                         "behind another while a worker is idle; start it with "
                         "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=%s dask scheduler",
                         scheduler, saturation, WORKER_SATURATION)
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    with dask_config.set({"distributed.scheduler.worker-saturation": WORKER_SATURATION}), \
            LocalCluster(n_workers=n, threads_per_worker=1, processes=True, silence_logs=dask_log_level,
                         dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def scheduler_saturation(client: Any) -> float | None:
    """The scheduler's tasks per worker thread (``worker-saturation``), or None when it will not say."""
    try:
        # A lambda travels by value (cloudpickle), so a scheduler without ektp-route installed answers too.
        return float(client.run_on_scheduler(lambda dask_scheduler: float(dask_scheduler.WORKER_SATURATION)))
    except Exception:  # noqa: BLE001  (an older or locked-down scheduler: the advice is a nicety)
        return None


def dashboard_link(client: Any) -> str | None:
    """The dashboard's address when the scheduler serves one (it needs ``bokeh``), else None."""
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:  # noqa: BLE001  (a dashboard is a nicety; never fail a run over it)
        return None
    return str(client.dashboard_link) if "dashboard" in services else None


def worker_count(client: Any) -> int:
    """Workers the scheduler knows of now."""
    return len(client.scheduler_info().get("workers", {}))


def cluster_name(client: Any) -> str:
    """The scheduler's address, or ``local``."""
    address = str(getattr(client.scheduler, "address", "") or "")
    return address or "local"


def worker_address() -> str:
    """The address of the Dask worker running the calling task; ``""`` outside a worker."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:  # not on a Dask worker (called directly, e.g. in tests)
        return ""


def submit_offices(client: Any, ids: Sequence[str], inputs: Sequence[Any],
                   task: Callable[[str, Any], Any]) -> list[Any]:
    """Submit one task per office, ``task(id, inputs)``, so that Dask queues them at the scheduler.

    One call, with keys that share the prefix ``plan_office``: Dask then sees one group of tasks
    larger than the cluster and keeps it at the scheduler, handing the next office to the next free
    worker (with :data:`WORKER_SATURATION`). Offices sent one by one, or keyed first by office, each
    form a group of their own and are all assigned to workers up front, where an office can wait
    behind a long one while another worker is idle.
    """
    run = uuid.uuid4().hex
    return list(client.map(task, list(ids), list(inputs), key=[f"plan_office-{run}-{i}" for i in ids],
                           retries=RETRIES, pure=False))


def completed(futures: Iterable[Any]) -> Iterator[Any]:
    """``futures`` in the order they finish (done, failed or lost)."""
    from distributed import as_completed

    yield from as_completed(list(futures))
