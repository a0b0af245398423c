"""Write files so that a crash never leaves a half-written one behind."""

import contextlib
import csv
import io
import os
import tempfile


class WriteError(OSError):
    """A file could not be written (a full disk, a folder that does not take files, ...); the
    file it would have replaced is untouched."""


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    The rename is atomic on POSIX, so readers see either the old file or the
    complete new one. The file is synced before the rename and its folder
    after it, so that after a power cut the folder holds the new file, not
    just its data. On any exception the temporary file is removed and
    ``path`` is untouched; an ``OSError`` (a full disk, a folder that cannot
    be written) arrives as a ``WriteError`` that names ``path`` and the cause.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
        os.close(fd)
        os.chmod(tmp, _permissions(path))  # mkstemp makes it 0600: give it the mode a plain open() would
        with open(tmp, mode) as f:  # f.name is the temporary path
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_folder(folder)
    except BaseException as e:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, WriteError):
            raise WriteError(e.errno, f"could not write {path}: {e.strerror or e}") from e
        raise


def fsync_folder(folder):
    """Flush a folder's entries (a rename into it) to disk; POSIX only, a no-op elsewhere."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _permissions(path):
    """The mode of the file being replaced, or what open() gives a new file (0666 minus the umask)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def read_csv(path):
    """What ``write_csv`` wrote: the rows as dicts, numbers as numbers (int, else float, else text)."""
    def value(text):
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
        return text

    with open(path, newline="") as f:
        return [{k: value(v) for k, v in row.items()} for row in csv.DictReader(f)]


def write_csv(rows, fields, path):
    """rows (dicts) as a CSV file with the columns ``fields``, written atomically."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: row[k] for k in fields} for row in rows)
    with atomic_write(path, "w") as f:
        f.write(text.getvalue())
