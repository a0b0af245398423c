"""Many independent runs, one task each: in this process one after another, or on Dask distributed.

The paper's figures are sweeps of independent models, each resumable in a
folder of its own. ``run_tasks`` runs such a list of tasks:

- by default here, one after another (a task logs as it goes);
- with ``workers=N`` on a local Dask cluster of N worker processes, one
  thread each;
- with ``scheduler=ADDRESS`` on a running Dask cluster (``dask scheduler``
  and ``dask worker ADDRESS --nthreads 1``), whose workers see the same
  files as this process.

A task trains one model folder to its budget. When its worker dies (a
crash, an OOM kill, a lost machine), Dask runs the task again on another
worker, which resumes from the folder's last checkpoint, so a lost worker
costs time and changes no number; a task that raises is tried ``retries``
more times. Results come back in the order of ``tasks``, whatever order the
tasks finished in. Every task runs with its BLAS held to one thread, here as
on a worker (``backends.blas.blas_threads``: the last bit of a product can
depend on the thread count, and two pools on one core slow each other
down), so a figure's numbers are the same here and on 1 or N workers.

Why Dask: a task is a Python function on picklable arguments, which Dask
ships to a process pool on this machine or to a cluster with the same code,
and its scheduler reschedules the tasks of a dead worker by itself; a
``concurrent.futures`` pool dies whole with one worker (``BrokenProcessPool``),
and Ray would add a second runtime for what is a plain list of tasks.
"""

import contextlib
import logging
import uuid

from tqdm import tqdm

from ..backends.blas import blas_threads

BLAS_THREADS = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


class Task:
    """One unit of a sweep: ``fn(**settings, log=...)`` returns the task's result.

    name: unique within a sweep (Dask's key, and the progress line's label); settings:
    ``fn``'s arguments, by name.
    """

    def __init__(self, name, fn, /, **settings):  # positional-only: a setting may be called name
        self.name, self.fn, self.settings = name, fn, settings

    def __call__(self, log=None):
        """The result and, when ``log`` is None, the task's log lines, gathered for the driver."""
        lines = []
        with blas_threads(1):  # a worker's environment holds it to one thread already; a scheduler's may not
            result = self.fn(**self.settings, log=lines.append if log is None else log)
        return result, lines


def check_cluster_options(workers, scheduler):
    """One clear line for --workers/--scheduler before anything runs."""
    if workers is not None and scheduler is not None:
        raise ValueError("give --workers (a local cluster) or --scheduler (a running one), not both")
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if workers is None and scheduler is None:
        return
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ValueError("--workers and --scheduler need Dask distributed: "
                         "pip install 'vae-theano[cluster]' (or pip install distributed)") from None


def run_tasks(tasks, *, workers=None, scheduler=None, retries=2, desc="models", log=print):
    """Run every ``Task``; returns their results in the order of ``tasks``.

    workers: None (here, one after another) or N local worker processes;
    scheduler: the address of a running Dask scheduler (instead of ``workers``).
    ``log`` gets one line per finished task (with the task's own lines); an
    overall progress bar counts the tasks.
    """
    check_cluster_options(workers, scheduler)
    if workers is None and scheduler is None:
        return [task(log)[0] for task in tqdm(tasks, desc=desc, unit="model", disable=None)]
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ValueError(f"task names must be unique, got {names}")
    with _client(workers, scheduler) as client:
        from distributed import as_completed

        run_id = uuid.uuid4().hex[:8]  # a long-lived scheduler must not hand back an earlier run's result
        waiting, running, results = list(tasks), as_completed(with_results=True), {}
        names_of = {}

        def submit_next():
            task = waiting.pop(0)
            future = client.submit(task, key=f"{task.name}-{run_id}", pure=False, retries=retries)
            names_of[future] = task.name
            running.add(future)

        # As many tasks in flight as the cluster has threads, the next one submitted when one
        # ends: Dask hands a few distinct tasks out at once, and a model could wait behind a
        # long one on a busy worker while another worker sat idle (seen on figure 2's sweep).
        for _ in range(min(len(waiting), sum(client.nthreads().values()) or 1)):
            submit_next()
        with tqdm(total=len(tasks), desc=desc, unit="model", disable=None) as bar:
            for future, (result, lines) in running:
                results[names_of[future]] = result
                with tqdm.external_write_mode():
                    for line in lines:
                        log(line)
                bar.update()
                if waiting:
                    submit_next()
        return [results[name] for name in names]


@contextlib.contextmanager
def _client(workers, scheduler):
    """A Dask client: on a fresh local cluster of ``workers`` processes, or on ``scheduler``."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    # The thread counts are set before each worker process starts, so that its BLAS reads them on
    # import; the worker's profiler, which samples every task's stack from another thread, is off;
    # the scheduler's HTTP server (always started) listens on a free local port, not on 8787.
    with dask.config.set({"distributed.nanny.pre-spawn-environ": BLAS_THREADS,
                          "distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                         silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client
