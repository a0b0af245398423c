"""MNIST and Frey Face: found on disk, or downloaded and verified, then checked.

    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_mnist()
    x_train, x_valid = load_freyface()

Where files are looked for when ``path`` is None, in order:
  1. the folder named by the environment variable ``VAE_THEANO_DATA``;
  2. in a checkout of the repository, its ``data/`` folder;
  3. the per-user cache, ``download_folder()`` (``~/.cache/vae-theano`` on Linux);
  4. otherwise they are downloaded from public mirrors (tried in turn) into
     ``$VAE_THEANO_DATA`` or the per-user cache, never into the installed
     package, by pooch (SciPy's and scikit-image's downloader: a progress bar,
     a temporary file renamed into place), checked against a SHA-256 digest
     pinned below, so an interrupted or wrong download leaves nothing behind.

MNIST comes as any of three formats, all giving the same arrays: the classic
``mnist.pkl.gz`` (the original code's; 50,000 / 10,000 / 10,000, pixels / 256),
the four canonical IDX files (the 60,000 training images split 50,000 / 10,000
in order, the last sixth validating, which is how the classic file was made),
or Keras' ``mnist.npz``. The loaders take the sizes from the files (a smaller
file of the same format, such as the tests write, splits the same way); the
downloads are held to the real files by their digests.
Frey Face comes as Roweis's ``frey_rawface.mat`` or the original's
``freyfaces.pkl``. Pickles are read with an unpickler that admits only NumPy
arrays (``safe_pickle``). Every loader checks shapes, dtypes, value and label
ranges, and a damaged file raises ``DatasetError`` naming the file.
"""

import gzip
import hashlib
import os
import shutil
import struct
import sys
import tempfile
import zlib

import numpy as np

from .files import safe_pickle
from .files.atomic import fsync_folder

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The checkout's data/ folder; None for an installed package (site-packages has no setup.py).
CHECKOUT_DATA = os.path.join(_ROOT, "data") if os.path.isfile(os.path.join(_ROOT, "setup.py")) else None
CACHE_NAME = "vae-theano"

MNIST_IDX = {  # file name: SHA-256 of the file as the mirrors serve it
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
FREY_FILE = "frey_rawface.mat"
FREY_MIRRORS = (
    "https://cs.nyu.edu/~roweis/data/",
    "http://www.cs.nyu.edu/~roweis/data/",
)
# SHA-256 of the 560 x 1965 uint8 array ``ff`` (C order), not of the .mat
# container: re-saved copies of the file hold the same array in other bytes.
FREY_ARRAY_SHA256 = "fbd70c2c992104024a20f4d253da1a1132eb6bf8ed142dccbe7d2b1743b705c4"

IMAGE_SHAPES = {"mnist": (28, 28), "freyface": (28, 20)}  # (height, width) of one row's picture
FREY_PIXELS = IMAGE_SHAPES["freyface"][0] * IMAGE_SHAPES["freyface"][1]
FREY_TRAIN = 1500  # the original's split: the first 1,500 of the 1,965 faces train


class DatasetError(ValueError):
    """A data file is damaged, truncated, or not what it claims to be."""


# -- MNIST ---------------------------------------------------------------------

def load_mnist(path=None, binarize=None, seed=0):
    """MNIST as the classic split: ((x_train, y_train), (x_valid, y_valid), (x_test, y_test)).

    x: (50000 | 10000, 784) float32 in [0, 1] (pixel / 256, the original's grey
    levels); y: int64 labels 0-9.

    path: a file (mnist.pkl.gz, mnist.npz, or a folder's worth of IDX files
    given as their folder) or a folder holding any of them; None searches
    $VAE_THEANO_DATA, then data/, then downloads the IDX files into data/.

    binarize: None keeps grey levels (the original's setting). "static" draws
    each pixel once from Bernoulli(grey level) with ``seed`` (the fixed binary
    MNIST of the literature); "threshold" rounds at 0.5. "dynamic" means a
    fresh Bernoulli draw of every image every epoch, which the training loop
    does (``dynamic_binarize``): the loader then returns grey levels.
    """
    if binarize not in (None, "static", "threshold", "dynamic"):
        raise ValueError(f"binarize must be None, 'static', 'threshold' or 'dynamic', got {binarize!r}")
    source = _find_mnist(path)
    if source.endswith(".pkl.gz") or source.endswith(".pkl"):
        splits = _read_mnist_pickle(source)
    elif source.endswith(".npz"):
        splits = _read_mnist_npz(source)
    else:
        splits = _read_mnist_idx(source)
    splits = _check_mnist(splits, source)
    if binarize == "static":
        rng = np.random.default_rng(seed)
        splits = [((rng.random(x.shape, dtype=np.float32) < x).astype(np.float32), y) for x, y in splits]
    elif binarize == "threshold":
        splits = [((x > 0.5).astype(np.float32), y) for x, y in splits]
    return tuple(splits)


def dynamic_binarize(x, rng):
    """One Bernoulli draw per pixel: x (n, D) grey levels in [0, 1] -> binary float32."""
    return (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)


def _find_mnist(path):
    names = ["mnist.pkl.gz", "mnist.pkl", "mnist.npz"]
    if path is not None:
        path = os.fspath(path)
        if os.path.isfile(path):
            return path
        if not os.path.isdir(path):
            raise FileNotFoundError(f"MNIST: {path} does not exist; give a file ({', '.join(names)}) "
                                    f"or a folder holding one of them or the four IDX files")
        found = _mnist_in(path)
        if found is None:
            raise FileNotFoundError(f"MNIST: {path} holds none of {', '.join(names)} nor the four "
                                    f"IDX files ({', '.join(MNIST_IDX)}); download them from "
                                    f"{MNIST_MIRRORS[0]}")
        return found
    for folder in _search_folders():
        found = _mnist_in(folder)
        if found:
            return found
    folder = download_folder()
    for name, digest in MNIST_IDX.items():
        if not _idx_file(folder, name):
            download(name, MNIST_MIRRORS, folder, sha256=digest)
    return folder


def _mnist_in(folder):
    for name in ("mnist.pkl.gz", "mnist.pkl"):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    if all(_idx_file(folder, name) for name in MNIST_IDX):
        return folder
    if os.path.isfile(os.path.join(folder, "mnist.npz")):
        return os.path.join(folder, "mnist.npz")
    return None


def _idx_file(folder, name):
    """The IDX file, gzipped or not, or None."""
    for candidate in (name, name[:-3]):
        if os.path.isfile(os.path.join(folder, candidate)):
            return os.path.join(folder, candidate)
    return None


def _read_mnist_pickle(source):
    content = safe_pickle.load_path(source, DatasetError)
    try:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = content
    except (TypeError, ValueError):
        raise DatasetError(f"{source}: expected ((x_train, y_train), (x_valid, y_valid), "
                           f"(x_test, y_test)), got {type(content).__name__}") from None
    return [(x_tr, y_tr), (x_va, y_va), (x_te, y_te)]


def _read_mnist_npz(source):
    try:
        with np.load(source, allow_pickle=False) as f:
            x, y, x_te, y_te = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    except KeyError as e:
        raise DatasetError(f"{source}: missing array {e} (expected x_train, y_train, x_test, y_test)") from e
    except Exception as e:
        raise DatasetError(f"{source}: truncated or corrupt ({type(e).__name__}: {e})") from e
    return _split_60k(_grey(x, source), y, _grey(x_te, source), y_te, source)


def _read_mnist_idx(folder):
    arrays = [read_idx(_idx_file(folder, name)) for name in MNIST_IDX]
    x, y, x_te, y_te = arrays
    return _split_60k(_grey(x, folder), y, _grey(x_te, folder), y_te, folder)


def read_idx(path):
    """Read one IDX file (optionally gzipped): images (n, rows, cols) or labels (n,), uint8."""
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f"{path}: truncated or corrupt ({e})") from e
    if len(data) < 8:
        raise DatasetError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        if len(data) < 16:
            raise DatasetError(f"{path}: too short for an IDX image header ({len(data)} bytes)")
        header, shape = 16, (n,) + struct.unpack(">II", data[8:16])
    elif magic == 2049:
        header, shape = 8, (n,)
    else:
        raise DatasetError(f"{path}: wrong IDX magic number {magic:#010x} (expected 0x00000803 "
                           f"for images or 0x00000801 for labels)")
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise DatasetError(f"{path}: {len(data)} bytes, but its header promises {expected} "
                           f"(shape {shape}): truncated or corrupt")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _grey(images, source):
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(f"{source}: expected uint8 images of 28 x 28, got {images.dtype} {images.shape}")
    return images.reshape(len(images), 784).astype(np.float32) / np.float32(256)


def _split_60k(x, y, x_te, y_te, source):
    """The classic split of the training images: the first five sixths train, the last sixth
    validates (50,000 and 10,000 of the 60,000)."""
    if len(x) != len(y) or len(x) < 6:
        raise DatasetError(f"{source}: expected as many training labels as images (at least 6), "
                           f"got {len(x):,} images and {len(y):,} labels")
    n_train = len(x) - len(x) // 6
    return [(x[:n_train], y[:n_train]), (x[n_train:], y[n_train:]), (x_te, y_te)]


def _check_mnist(splits, source):
    checked = []
    for (x, y), part in zip(splits, ("train", "valid", "test")):
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim != 2 or x.shape[1:] != (784,) or y.shape != x.shape[:1] or not len(x):
            raise DatasetError(f"{source}: {part} split has shapes {x.shape} and {y.shape}, "
                               f"expected (n, 784) and (n,), n >= 1")
        if not np.issubdtype(x.dtype, np.floating) or not np.issubdtype(y.dtype, np.integer):
            raise DatasetError(f"{source}: {part} split has dtypes {x.dtype} and {y.dtype}, "
                               f"expected float images and integer labels")
        if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
            raise DatasetError(f"{source}: {part} images are not all in [0, 1]")
        if y.min() < 0 or y.max() > 9:
            raise DatasetError(f"{source}: {part} labels outside 0-9 (found {y.min()} to {y.max()})")
        checked.append((x.astype(np.float32), y.astype(np.int64)))
    return checked


# -- Frey Face -----------------------------------------------------------------

def load_freyface(path=None, seed=None, n_train=None, held_out=None):
    """Frey Face as (x_train, x_valid): (1500, 560) and (465, 560) float32 in [0, 1) from the
    real file (which holds 1,965 faces; a file of others splits the same way).

    Each row is a 28 x 20 face (row-major), pixel / 256 as Kingma's own loader
    did. ``seed=None`` splits as the original ``run.py`` (the first 1,500
    faces train, the video's last 465 frames are held out); an integer
    shuffles the faces with that seed first (the faces are video frames, so
    neighbours look alike), as the paper's held-out faces most likely were.
    ``n_train``: faces in x_train (default 1,500), the rest are x_valid; or
    ``held_out``: faces in x_valid (the paper's 365), the rest train.

    path: frey_rawface.mat, freyfaces.pkl, or a folder holding one; None
    searches as the module says.
    """
    for name, value in (("n_train", n_train), ("held_out", held_out)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a whole number of faces, at least 1, got {value!r}")
    if n_train is not None and held_out is not None:
        raise ValueError(f"give n_train or held_out, not both (got {n_train} and {held_out})")
    source = _find_freyface(path)
    if source.endswith(".pkl"):
        faces = _read_frey_pickle(source)
    else:
        faces = _read_frey_mat(source).T.astype(np.float32) / np.float32(256)
    if faces.ndim != 2 or faces.shape[1] != FREY_PIXELS or len(faces) < 2:
        raise DatasetError(f"{source}: expected faces of {FREY_PIXELS} pixels (at least 2), got shape {faces.shape}")
    if held_out is not None and held_out >= len(faces):
        raise ValueError(f"{source} holds {len(faces)} faces: it cannot hold out {held_out} and train on the rest")
    n_train = len(faces) - held_out if held_out is not None else FREY_TRAIN if n_train is None else n_train
    if not n_train < len(faces):
        raise ValueError(f"{source} holds {len(faces)} faces: {n_train} cannot train with the rest held out")
    if seed is not None:
        faces = faces[np.random.default_rng(seed).permutation(len(faces))]
    return faces[:n_train], faces[n_train:]


def _find_freyface(path):
    names = (FREY_FILE, "freyfaces.pkl")
    if path is not None:
        path = os.fspath(path)
        if os.path.isfile(path):
            return path
        for name in names:
            if os.path.isdir(path) and os.path.isfile(os.path.join(path, name)):
                return os.path.join(path, name)
        raise FileNotFoundError(f"Frey Face: {path} is not {' or '.join(names)} nor a folder holding "
                                f"one; download {FREY_MIRRORS[0]}{FREY_FILE}")
    for folder in _search_folders():
        for name in names:
            if os.path.isfile(os.path.join(folder, name)):
                return os.path.join(folder, name)
    return download(FREY_FILE, FREY_MIRRORS, download_folder(), check=_check_frey_digest)


def _read_frey_mat(source):
    from scipy.io import loadmat

    try:
        ff = loadmat(source)["ff"]
    except KeyError:
        raise DatasetError(f"{source}: no MATLAB variable 'ff'") from None
    except Exception as e:
        raise DatasetError(f"{source}: truncated or corrupt MATLAB file ({type(e).__name__}: {e})") from e
    if ff.dtype != np.uint8 or ff.ndim != 2 or ff.shape[0] != FREY_PIXELS:
        raise DatasetError(f"{source}: 'ff' should be uint8 of shape ({FREY_PIXELS}, faces), "
                           f"got {ff.dtype} {ff.shape}")
    return ff


def _check_frey_digest(path):
    ff = _read_frey_mat(path)
    digest = hashlib.sha256(np.ascontiguousarray(ff).tobytes()).hexdigest()
    if digest != FREY_ARRAY_SHA256:
        raise DatasetError(f"{path}: its faces have SHA-256 {digest}, expected {FREY_ARRAY_SHA256}")


def _read_frey_pickle(source):
    faces = safe_pickle.load_path(source, DatasetError)
    if not isinstance(faces, np.ndarray) or faces.ndim != 2:
        raise DatasetError(f"{source}: expected a 2-D array of faces, got {type(faces).__name__}")
    if faces.dtype == np.uint8:
        return faces.astype(np.float32) / np.float32(256)
    if not np.issubdtype(faces.dtype, np.floating) or not np.all(np.isfinite(faces)) \
            or faces.min() < 0 or faces.max() > 1:
        raise DatasetError(f"{source}: faces must be uint8 pixels or floats in [0, 1]")
    return faces.astype(np.float32)


# -- finding and downloading ---------------------------------------------------

def download_folder():
    """Where downloads go: ``$VAE_THEANO_DATA`` if set, else the per-user cache
    (``pooch.os_cache("vae-theano")``: ``~/.cache/vae-theano`` on Linux)."""
    if os.environ.get("VAE_THEANO_DATA"):
        return os.environ["VAE_THEANO_DATA"]
    import pooch

    return str(pooch.os_cache(CACHE_NAME))


def _search_folders():
    folders = [os.environ.get("VAE_THEANO_DATA"), CHECKOUT_DATA, download_folder()]
    return [f for f in dict.fromkeys(folders) if f and os.path.isdir(f)]


def download(name, mirrors, folder, sha256=None, check=None, timeout=30):
    """Fetch ``name`` from the first mirror that serves it into ``folder``; return its path.

    pooch downloads each try into a temporary folder beside the target (with a
    progress bar on a terminal) and checks ``sha256``; then ``check(path)``,
    which raises ``DatasetError`` on a bad file, and only then is the file
    renamed to ``folder/name``: a failed or interrupted download leaves nothing behind.
    """
    import pooch
    import requests

    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, name)
    errors = []
    for mirror in mirrors:
        url = mirror + name
        staging = tempfile.mkdtemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            path = pooch.retrieve(url, known_hash=f"sha256:{sha256}" if sha256 else None, fname=name,
                                  path=staging, progressbar=sys.stderr.isatty(),
                                  downloader=pooch.HTTPDownloader(timeout=timeout,
                                                                  progressbar=sys.stderr.isatty()))
            if check:
                try:
                    check(path)
                except DatasetError as e:
                    raise DatasetError(f"{url}: rejected, the file was discarded ({e})") from e
            os.replace(path, target)
            fsync_folder(folder)
            return target
        except DatasetError as e:
            errors.append(str(e))
        except ValueError as e:  # pooch: the file's hash is not the pinned one
            errors.append(f"{url}: its SHA-256 does not match the pinned {sha256}; the file was "
                          f"discarded ({e})")
        except (OSError, requests.RequestException) as e:  # refused, timed out, HTTP errors
            errors.append(f"{url}: {e}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    raise FileNotFoundError(
        f"{name} is missing and could not be downloaded:\n  " + "\n  ".join(errors) +
        f"\nPut {name} into {folder} (or point VAE_THEANO_DATA or --data at a folder holding it); "
        f"it is published at {mirrors[0]}{name}")
