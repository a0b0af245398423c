"""Loaders: every format through tiny files written here, the real files, bad files, downloads."""

import gzip
import hashlib
import os
import pickle
import struct

import numpy as np
import pytest
import scipy.io

from vae_theano import datasets
from vae_theano.datasets import DatasetError, load_freyface, load_mnist

from conftest import SHARED_DATA, needs_shared


@pytest.fixture
def digits():
    """A tiny MNIST in the real files' formats (60 training and 10 test images): the loaders take
    the sizes from the files, and split the training images as the real ones, the last sixth
    validating."""
    rs = np.random.RandomState(0)
    return (rs.randint(0, 256, (60, 28, 28)).astype(np.uint8), rs.randint(0, 10, 60),
            rs.randint(0, 256, (10, 28, 28)).astype(np.uint8), rs.randint(0, 10, 10))


def idx_bytes(array):
    if array.ndim == 3:
        return struct.pack(">IIII", 2051, *array.shape) + array.tobytes()
    return struct.pack(">II", 2049, len(array)) + array.astype(np.uint8).tobytes()


def write_idx(folder, digits, compress=True):
    for name, array in zip(datasets.MNIST_IDX, digits):
        data = idx_bytes(array)
        if compress:
            with gzip.open(folder / name, "wb") as f:
                f.write(data)
        else:
            (folder / name[:-3]).write_bytes(data)


def write_pickle(folder, digits, name="mnist.pkl.gz"):
    x, y, x_te, y_te = digits
    flat = lambda a: a.reshape(len(a), 784).astype(np.float32) / 256
    content = ((flat(x[:50]), y[:50]), (flat(x[50:]), y[50:]), (flat(x_te), y_te))
    with gzip.open(folder / name, "wb") as f:
        pickle.dump(content, f, protocol=2)


def write_npz(folder, digits):
    x, y, x_te, y_te = digits
    np.savez(folder / "mnist.npz", x_train=x, y_train=y, x_test=x_te, y_test=y_te)


def expected_mnist(digits):
    x, y, x_te, y_te = digits
    flat = lambda a: a.reshape(len(a), 784).astype(np.float32) / 256
    return [(flat(x[:50]), y[:50]), (flat(x[50:]), y[50:]), (flat(x_te), y_te)]


def assert_same_mnist(got, digits):
    for (x, y), (ex, ey) in zip(got, expected_mnist(digits)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x, ex)
        np.testing.assert_array_equal(y, ey)


# -- formats -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["pickle", "idx", "idx-raw", "npz"])
def test_mnist_formats_round_trip(tmp_path, digits, fmt):
    if fmt == "pickle":
        write_pickle(tmp_path, digits)
        as_file = tmp_path / "mnist.pkl.gz"
    elif fmt == "npz":
        write_npz(tmp_path, digits)
        as_file = tmp_path / "mnist.npz"
    else:
        write_idx(tmp_path, digits, compress=fmt == "idx")
        as_file = None
    assert_same_mnist(load_mnist(tmp_path), digits)
    if as_file:
        assert_same_mnist(load_mnist(as_file), digits)
        assert_same_mnist(load_mnist(str(as_file)), digits)


def test_mnist_from_the_environment_variable(tmp_path, digits, monkeypatch):
    write_npz(tmp_path, digits)
    monkeypatch.setenv("VAE_THEANO_DATA", str(tmp_path))
    assert_same_mnist(load_mnist(), digits)


def test_binarisation(tmp_path, digits):
    write_npz(tmp_path, digits)
    grey = load_mnist(tmp_path)[0][0]
    static = load_mnist(tmp_path, binarize="static", seed=3)[0][0]
    assert set(np.unique(static)) <= {0.0, 1.0}
    np.testing.assert_array_equal(static, load_mnist(tmp_path, binarize="static", seed=3)[0][0])
    assert not np.array_equal(static, load_mnist(tmp_path, binarize="static", seed=4)[0][0])
    assert abs(static.mean() - grey.mean()) < 0.01  # Bernoulli(grey) keeps the mean
    np.testing.assert_array_equal(load_mnist(tmp_path, binarize="threshold")[0][0], grey > 0.5)
    np.testing.assert_array_equal(load_mnist(tmp_path, binarize="dynamic")[0][0], grey)
    first = datasets.dynamic_binarize(grey, np.random.default_rng(0))
    second = datasets.dynamic_binarize(grey, np.random.default_rng(1))
    assert set(np.unique(first)) <= {0.0, 1.0} and not np.array_equal(first, second)
    with pytest.raises(ValueError, match="binarize must be"):
        load_mnist(tmp_path, binarize="yes")


def frey_array(n=12):
    return np.random.RandomState(1).randint(0, 256, (560, n)).astype(np.uint8)


@pytest.mark.parametrize("fmt", ["mat", "pkl-float", "pkl-uint8"])
def test_freyface_formats_round_trip(tmp_path, fmt):
    ff = frey_array()
    faces = ff.T.astype(np.float32) / 256
    if fmt == "mat":
        scipy.io.savemat(tmp_path / "frey_rawface.mat", {"ff": ff})
        name = "frey_rawface.mat"
    else:
        with open(tmp_path / "freyfaces.pkl", "wb") as f:
            pickle.dump(faces if fmt == "pkl-float" else ff.T.copy(), f, protocol=2)
        name = "freyfaces.pkl"
    for path, split in [(tmp_path, dict(n_train=9)), (tmp_path / name, dict(held_out=3))]:
        train, valid = load_freyface(path, **split)
        assert train.dtype == np.float32
        np.testing.assert_array_equal(np.concatenate([train, valid]), faces)
        assert (len(train), len(valid)) == (9, 3)
    with pytest.raises(ValueError, match="holds 12 faces: 1500 cannot train with the rest held out"):
        load_freyface(tmp_path)  # the original's split needs the real file's 1,965
    with pytest.raises(ValueError, match="give n_train or held_out, not both"):
        load_freyface(tmp_path, n_train=9, held_out=3)
    with pytest.raises(ValueError, match="holds 12 faces: it cannot hold out 12 and train on the rest"):
        load_freyface(tmp_path, held_out=12)
    with pytest.raises(ValueError, match="held_out must be a whole number of faces, at least 1, got 0"):
        load_freyface(tmp_path, held_out=0)
    shuffled = np.concatenate(load_freyface(tmp_path, seed=0, n_train=9))
    assert not np.array_equal(shuffled, faces)
    np.testing.assert_array_equal(np.sort(shuffled, axis=0), np.sort(faces, axis=0))


# -- the real files ------------------------------------------------------------

@needs_shared(os.path.join(SHARED_DATA, "mnist.pkl.gz"))
def test_real_mnist():
    (x, y), (xv, yv), (xt, yt) = load_mnist(SHARED_DATA)
    assert x.shape == (50000, 784) and xv.shape == (10000, 784) and xt.shape == (10000, 784)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert np.bincount(y).tolist() == [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988]
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@needs_shared(os.path.join(SHARED_DATA, "frey_rawface.mat"))
def test_real_freyface():
    train, valid = load_freyface(SHARED_DATA)
    assert train.shape == (1500, 560) and valid.shape == (465, 560)
    faces = np.concatenate([train, valid])
    assert abs(faces.mean() - 154.46 / 256) < 0.01 / 256
    datasets._check_frey_digest(os.path.join(SHARED_DATA, "frey_rawface.mat"))  # the pinned digest


# -- bad files -----------------------------------------------------------------

class _Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("name", ["mnist.pkl.gz", "freyfaces.pkl"])
def test_malicious_pickle_is_refused(tmp_path, name):
    victim = tmp_path / "created"
    opener = gzip.open if name.endswith(".gz") else open
    with opener(tmp_path / name, "wb") as f:
        pickle.dump(_Exploit(str(victim)), f, protocol=2)
    loader = load_mnist if name.startswith("mnist") else load_freyface
    with pytest.raises(DatasetError, match=r"refusing to load (_?io|builtins)\.open"):
        loader(tmp_path)
    assert not victim.exists()


def test_truncated_gzip(tmp_path, digits):
    write_pickle(tmp_path, digits)
    data = (tmp_path / "mnist.pkl.gz").read_bytes()
    (tmp_path / "mnist.pkl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="mnist.pkl.gz: truncated or corrupt"):
        load_mnist(tmp_path)


def test_truncated_idx(tmp_path, digits):
    write_idx(tmp_path, digits, compress=False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte: .* header promises"):
        load_mnist(tmp_path)


def test_wrong_idx_magic(tmp_path, digits):
    write_idx(tmp_path, digits, compress=False)
    path = tmp_path / "train-labels-idx1-ubyte"
    path.write_bytes(struct.pack(">I", 2050) + path.read_bytes()[4:])
    with pytest.raises(DatasetError, match="wrong IDX magic number 0x00000802"):
        load_mnist(tmp_path)


def test_wrong_shapes(tmp_path, digits):
    x, y, x_te, y_te = digits
    np.savez(tmp_path / "mnist.npz", x_train=x[:55], y_train=y[:54], x_test=x_te, y_test=y_te)
    with pytest.raises(DatasetError, match="expected as many training labels as images .* 55 images and 54 labels"):
        load_mnist(tmp_path)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x_te[:, :20], y_test=y_te)
    with pytest.raises(DatasetError, match=r"expected uint8 images of 28 x 28, got uint8 \(10, 20, 28\)"):
        load_mnist(tmp_path)
    scipy.io.savemat(tmp_path / "frey_rawface.mat", {"ff": frey_array()[:550]})
    with pytest.raises(DatasetError, match="'ff' should be uint8 of shape"):
        load_freyface(tmp_path)


def test_labels_out_of_range(tmp_path, digits):
    x, y, x_te, y_te = digits
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y + 5, x_test=x_te, y_test=y_te)
    with pytest.raises(DatasetError, match="labels outside 0-9"):
        load_mnist(tmp_path)


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds none of mnist.pkl.gz"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="frey_rawface.mat"):
        load_freyface(tmp_path)


# -- downloads -----------------------------------------------------------------

def test_download_with_good_digest(tmp_path, server, digits):
    served, url = server
    write_idx(served, digits)
    target = tmp_path / "data"
    for name in datasets.MNIST_IDX:
        digest = hashlib.sha256((served / name).read_bytes()).hexdigest()
        path = datasets.download(name, ["http://127.0.0.1:9/", url], str(target), sha256=digest)
        assert path == str(target / name)
    assert_same_mnist(load_mnist(target), digits)
    assert sorted(os.listdir(target)) == sorted(datasets.MNIST_IDX)  # no temporary files


def test_download_with_bad_digest_leaves_nothing(tmp_path, server):
    served, url = server
    (served / "file.bin").write_bytes(b"not what was pinned")
    target = tmp_path / "data"
    with pytest.raises(FileNotFoundError, match="does not match the pinned"):
        datasets.download("file.bin", [url], str(target), sha256="0" * 64)
    assert os.listdir(target) == []


def test_downloaded_freyface_is_checked(tmp_path, server):
    served, url = server
    scipy.io.savemat(served / "frey_rawface.mat", {"ff": np.zeros((560, 1965), np.uint8)})
    target = tmp_path / "data"
    with pytest.raises(FileNotFoundError, match="its faces have SHA-256"):
        datasets.download("frey_rawface.mat", [url], str(target), check=datasets._check_frey_digest)
    assert os.listdir(target) == []


def test_no_network_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "CHECKOUT_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(datasets, "FREY_MIRRORS", ("http://127.0.0.1:9/",))
    monkeypatch.delenv("VAE_THEANO_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as info:
        load_freyface()
    message = str(info.value)
    cache = tmp_path / "cache" / "vae-theano"
    assert "frey_rawface.mat is missing" in message and f"into {cache}" in message
    assert "http://127.0.0.1:9/frey_rawface.mat" in message
    assert os.listdir(cache) == []  # nothing half-downloaded


def test_downloads_go_to_the_users_cache_and_are_found_there(tmp_path, server, monkeypatch):
    served, url = server
    faces = np.random.RandomState(0).randint(0, 256, (560, 12)).astype(np.uint8)
    scipy.io.savemat(served / "frey_rawface.mat", {"ff": faces})
    monkeypatch.setattr(datasets, "CHECKOUT_DATA", None)  # an installed package
    monkeypatch.setattr(datasets, "FREY_MIRRORS", ("http://127.0.0.1:9/", url))
    monkeypatch.setattr(datasets, "FREY_ARRAY_SHA256", hashlib.sha256(faces.tobytes()).hexdigest())
    monkeypatch.delenv("VAE_THEANO_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    x_train, _ = load_freyface(n_train=9)
    assert os.listdir(tmp_path / "cache" / "vae-theano") == ["frey_rawface.mat"]
    (served / "frey_rawface.mat").unlink()  # the second time, the cache serves
    np.testing.assert_array_equal(load_freyface(n_train=9)[0], x_train)
    np.testing.assert_array_equal(x_train, faces.T[:9] / np.float32(256))
    monkeypatch.setenv("VAE_THEANO_DATA", str(tmp_path / "chosen"))  # the variable overrides the cache
    with pytest.raises(FileNotFoundError, match=f"into {tmp_path / 'chosen'}"):
        load_freyface()
