"""Crashes and races: real SIGKILLs, two runs into one folder, crash debris, durable renames."""

import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from vae_theano.files import atomic
from vae_theano.runs.checkpoint import load_checkpoint
from vae_theano.runs.folder import RunFolderBusy, exclusive_run_folder, remove_debris
from vae_theano.runs.training import read_history

pytestmark = pytest.mark.slow  # SIGKILLs training processes and races two runs

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "kill_driver.py")
ARGS = ["--epochs", "3", "--hidden", "16", "--n-latent", "2", "--batch-size", "20", "--dtype", "float64"]


def start(kill, data, out, *extra):
    cmd = [sys.executable, DRIVER, kill, *ARGS, "--data", str(data), "--out", str(out), *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(kill, data, out, *extra):
    proc = start(kill, data, out, *extra)
    stdout, stderr = proc.communicate(timeout=300)
    return proc.returncode, stdout + stderr


@pytest.fixture(scope="module")
def uninterrupted(module_mnist_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    code, text = run("none", module_mnist_dir, out)
    assert code == 0, text
    return out


def assert_same_run(out, reference):
    state, meta = load_checkpoint(out / "checkpoint.npz")
    want_state, want_meta = load_checkpoint(reference / "checkpoint.npz")
    assert state.keys() == want_state.keys()
    for key in state:
        np.testing.assert_array_equal(state[key], want_state[key], err_msg=key)
    for name in ("srng", "shuffle_rng", "binarize_rng"):
        assert meta[name] == want_meta[name], name
    rows, want = read_history(out / "history.csv"), read_history(reference / "history.csv")
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    for row, expected in zip(rows, want):
        assert (row["epoch"], row["train_bound"], row["valid_bound"]) == \
            (expected["epoch"], expected["train_bound"], expected["valid_bound"])
    assert not [name for name in os.listdir(out) if name.endswith(".tmp")]


@pytest.mark.parametrize("kill", ["update:1:3", "update:2:10", "save:1", "save:3", "history:3"])
def test_sigkill_then_resume_equals_an_uninterrupted_run(kill, module_mnist_dir, uninterrupted, tmp_path):
    """A real SIGKILL during an epoch, halfway through writing a checkpoint, or
    between the last checkpoint and history.csv; then the same command again."""
    out = tmp_path / "run"
    code, text = run(kill, module_mnist_dir, out)
    assert code == -signal.SIGKILL, text
    if kill.startswith("save"):  # the half-written checkpoint is left behind, the old one intact
        assert [n for n in os.listdir(out) if n.startswith(".checkpoint.npz.") and n.endswith(".tmp")]
    if kill == "history:3":  # the checkpoint has epoch 3, the CSV only 2
        assert len(read_history(out / "history.csv")) == 2
    code, text = run("none", module_mnist_dir, out)
    assert code == 0, text
    assert_same_run(out, uninterrupted)


def test_a_finished_run_rewrites_a_lagging_history(module_mnist_dir, uninterrupted, tmp_path):
    """Killed between the last checkpoint and history.csv, a run with nothing
    left to do still brings history.csv up to the checkpoint."""
    out = tmp_path / "run"
    assert run("history:3", module_mnist_dir, out)[0] == -signal.SIGKILL
    code, text = run("none", module_mnist_dir, out)
    assert code == 0 and "resuming" in text, text
    assert_same_run(out, uninterrupted)


def test_a_second_run_into_the_same_folder_exits_at_once(module_mnist_dir, uninterrupted, tmp_path):
    out, go = tmp_path / "run", tmp_path / "go"
    first = start(f"wait:{go}", module_mnist_dir, out, "--epochs", "3")  # holds the folder until `go` exists
    lock = out / ".lock"
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        assert time.monotonic() < deadline and first.poll() is None, "the first run never took the lock"
        time.sleep(0.05)
    code, text = run("none", module_mnist_dir, out)
    go.touch()
    assert code == 1, text
    assert f"{out} is in use by another run (PID {first.pid})" in text, text
    assert "model " not in text  # it stopped before building a model
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stdout + stderr
    assert_same_run(out, uninterrupted)


def test_the_lock_dies_with_its_holder(tmp_path):
    """SIGKILL the holder: the OS drops the lock, the next run takes it."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from vae_theano.runs.folder import exclusive_run_folder\n"
        f"with exclusive_run_folder({str(tmp_path)!r}):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(600)\n")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RunFolderBusy, match=f"PID {holder.pid}"):
        with exclusive_run_folder(tmp_path):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with exclusive_run_folder(tmp_path):
        assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())
        with exclusive_run_folder(tmp_path):  # re-entrant in one process
            pass


def test_taking_the_lock_clears_only_atomic_write_debris(tmp_path):
    for name in (".checkpoint.npz.ab12cd.tmp", ".history.csv.x9.tmp", ".samples.png.q.tmp"):
        (tmp_path / name).write_bytes(b"half")
    for name in ("checkpoint.npz", "notes.tmp", ".hidden"):
        (tmp_path / name).write_bytes(b"keep")
    with exclusive_run_folder(tmp_path):
        pass
    assert sorted(os.listdir(tmp_path)) == [".hidden", ".lock", "checkpoint.npz", "notes.tmp"]
    assert remove_debris(tmp_path) == []


def test_atomic_write_syncs_the_file_then_the_folder_after_the_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        is_folder = stat.S_ISDIR(os.fstat(fd).st_mode)
        synced.append(("folder" if is_folder else "file", (tmp_path / "out.bin").exists()))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    with atomic.atomic_write(tmp_path / "out.bin") as f:
        f.write(b"data")
    # the file's data before the rename, the folder's entry after it
    assert synced == [("file", False), ("folder", True)]
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_atomic_write_gives_files_the_usual_permissions(tmp_path):
    """mkstemp creates 0600 files; a checkpoint or picture should be readable like any other
    file, and a replaced file keeps its mode."""
    umask = os.umask(0o022)
    try:
        with atomic.atomic_write(tmp_path / "new.csv", "w") as f:
            f.write("a")
        assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o644
        os.chmod(tmp_path / "new.csv", 0o640)
        with atomic.atomic_write(tmp_path / "new.csv", "w") as f:
            f.write("b")
        assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o640
    finally:
        os.umask(umask)
