"""The paper's sweeps on Dask: the numbers of N workers are those of one process, even when a worker dies."""

import os
import signal
import threading
import time

import numpy as np
import pytest
import scipy.io

from vae_theano import datasets
from vae_theano.paper import settings
from vae_theano.paper.figure2 import make_figure2
from vae_theano.runs.checkpoint import CHECKPOINT_FILE, load_checkpoint
from vae_theano.runs.folder import LOCK_FILE
from vae_theano.runs.sweep import Task, check_cluster_options, run_tasks

pytestmark = pytest.mark.slow  # starts Dask clusters and kills a worker

pytest.importorskip("distributed")


@pytest.fixture
def full_size_frey(tmp_path):
    """Random faces of Frey Face's real shape: a worker process loads them with the
    loader's own, unpatched, shapes."""
    folder = tmp_path / "data"
    folder.mkdir()
    n, d = 1965, datasets.FREY_PIXELS
    faces = np.random.RandomState(1).randint(60, 200, (d, n)).astype(np.uint8)
    scipy.io.savemat(folder / "frey_rawface.mat", {"ff": faces})
    return folder


def history_length(folder):
    """Epochs in a model folder's history.csv (0 before its first write)."""
    try:
        with open(os.path.join(folder, "history.csv")) as f:
            return sum(1 for _ in f) - 1
    except FileNotFoundError:
        return 0


def kill_mid_run(folder, after_epochs, epochs, seen):
    """SIGKILL the process that holds ``folder``'s lock once its history has ``after_epochs``
    epochs (and fewer than ``epochs``); ``seen`` gets (PID, epochs at the kill)."""
    deadline = time.time() + 300
    while time.time() < deadline:
        done = history_length(folder)
        if after_epochs <= done < epochs:
            with open(os.path.join(folder, LOCK_FILE)) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGKILL)
            seen.append((pid, done))
            return
        time.sleep(0.05)


def test_two_workers_and_a_killed_one_give_the_numbers_of_one_process(full_size_frey, tmp_path, monkeypatch):
    """Two models (AEVB's compiled scan, wake-sleep's Python loop) trained in this process,
    then on 2 Dask workers while the AEVB model's worker is killed with SIGKILL mid-run: the
    task is run again, resumes from the last checkpoint, and every number of the figure and
    every parameter is the same."""
    monkeypatch.setitem(settings.FIGURE2, "freyface", dict(hidden=8, latents=(2,)))
    epochs = 60
    budget = {"freyface": epochs * settings.samples_per_epoch(1965 - 365)}
    run = lambda out, **kw: make_figure2(str(out), datasets=["freyface"], methods=["aevb", "wake-sleep"],
                                         budgets=budget,
                                         data=str(full_size_frey), dtype="float64", checkpoint_every=0,
                                         log=lambda line: None, **kw)
    alone = run(tmp_path / "one")

    killed_folder = tmp_path / "two" / "freyface_nz2_aevb"
    seen = []
    killer = threading.Thread(target=kill_mid_run, args=(killed_folder, 10, epochs, seen))
    killer.start()
    lines = []
    spread = make_figure2(str(tmp_path / "two"), datasets=["freyface"], methods=["aevb", "wake-sleep"], budgets=budget,
                          data=str(full_size_frey), dtype="float64", checkpoint_every=0, log=lines.append,
                          workers=2)
    killer.join()

    assert seen and 10 <= seen[0][1] < epochs, "the worker was not killed mid-run"
    with open(killed_folder / LOCK_FILE) as f:
        assert int(f.read()) != seen[0][0]  # another process finished the model
    assert spread == alone  # every row, bit for bit
    assert (tmp_path / "two" / "figure2.csv").read_text() == (tmp_path / "one" / "figure2.csv").read_text()
    for model in ("freyface_nz2_aevb", "freyface_nz2_wake-sleep"):
        mine, theirs = (load_checkpoint(str(tmp_path / run_ / model / CHECKPOINT_FILE))[0] for run_ in ("one", "two"))
        assert mine.keys() == theirs.keys() and all(np.array_equal(mine[k], theirs[k]) for k in mine)
    assert sum("samples: train" in line for line in lines) == 2  # a line per finished model


def test_a_free_worker_takes_the_next_task(tmp_path):
    """No task waits behind a running one while a worker is free: with one task blocked on a
    file, six quick ones all finish on the other worker before the file appears. (Figure 2's
    sweep showed the fault with long tasks: Dask handed its eight tasks out at once and two
    models waited behind a long one while the other worker sat idle. With quick tasks Dask's
    work stealing also rescues it, so this test guards the outcome more than the cause.)"""
    release = tmp_path / "release"
    tasks = [Task("blocked", _wait_for, path=str(release))] + [Task(f"quick{i}", _square, i=i) for i in range(6)]
    results = []
    runner = threading.Thread(target=lambda: results.append(run_tasks(tasks, workers=2, log=_lines.append)))
    _lines.clear()
    runner.start()
    deadline = time.time() + 120
    while time.time() < deadline and sum(line.startswith("squared") for line in _lines) < 6:
        time.sleep(0.1)
    finished = sum(line.startswith("squared") for line in _lines)
    release.write_text("go")
    runner.join()
    assert finished == 6, f"only {finished} of the 6 quick tasks ran while one worker was busy"
    assert results == [["released", 0, 1, 4, 9, 16, 25]]


_lines = []


def _wait_for(path, log):
    while not os.path.exists(path):
        time.sleep(0.05)
    return "released"


def test_results_come_back_in_task_order_with_their_log_lines():
    tasks = [Task(f"t{i}", _square, i=i) for i in range(4)]
    lines = []
    assert run_tasks(tasks, log=lines.append) == [0, 1, 4, 9]
    assert lines == [f"squared {i}" for i in range(4)]
    assert Task("t", _square, i=3)() == (9, ["squared 3"])  # a worker's task gathers its lines


def _square(i, log):
    log(f"squared {i}")
    return i * i


def test_bad_cluster_options_are_one_line():
    with pytest.raises(ValueError, match="give --workers .* or --scheduler .*, not both"):
        check_cluster_options(2, "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="--workers must be at least 1, got 0"):
        check_cluster_options(0, None)
    check_cluster_options(None, None)
