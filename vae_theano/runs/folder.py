"""A run folder has one writer: an OS lock held for the whole run, and crash debris cleared.

Two runs writing into one folder would overwrite each other's checkpoints. A
run takes an exclusive ``flock`` on ``<folder>/.lock`` before it loads data
or compiles, and holds it until it exits; the OS releases it when the process
dies, however it dies, so a killed run never leaves a stale lock. The file
also records the holder's PID, for the message a second run gets.

Once the lock is held, nobody else writes into the folder, so the temporary
files an ``atomic_write`` left behind when its process was killed mid-save
(``.<name>.*.tmp``) are debris and are removed.
"""

import contextlib
import fnmatch
import os

try:
    import fcntl
except ImportError:  # Windows: no flock; the run goes on unguarded
    fcntl = None

LOCK_FILE = ".lock"
DEBRIS = ".*.*.tmp"  # atomic_write's temporary files


_held = set()  # real paths of the folders this process holds


class RunFolderBusy(RuntimeError):
    """Another process holds the run folder's lock."""


class RunFolderError(ValueError):
    """The run folder is a file, or cannot be created or written."""


@contextlib.contextmanager
def exclusive_run_folder(folder):
    """Hold ``folder``'s lock (creating the folder) for the ``with`` block; clear debris.

    Raises ``RunFolderBusy`` at once, naming the folder and the holder's PID,
    when another process holds it, and ``RunFolderError`` when the folder is a
    file or cannot be created or written. Re-entrant within a process: an example
    takes the lock before it loads data, and ``training.train`` inside it
    takes it again.
    """
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise RunFolderError(f"{folder} is a file, not a folder: give the run another --out")
    key = os.path.realpath(folder)
    if key in _held:
        yield folder
        return
    path = os.path.join(folder, LOCK_FILE)
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise RunFolderError(f"cannot use {folder} as a run folder: {e.strerror or e}") from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                raise RunFolderBusy(f"{folder} is in use by another run (PID {holder}); wait for "
                                    f"it to finish, or give this run another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        remove_debris(folder)
        _held.add(key)
        try:
            yield folder
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # releases the lock


def remove_debris(folder):
    """Delete the temporary files of interrupted atomic writes in ``folder``; returns their names."""
    removed = []
    for name in os.listdir(folder):
        if fnmatch.fnmatch(name, DEBRIS) and os.path.isfile(os.path.join(folder, name)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(folder, name))
                removed.append(name)
    return removed
