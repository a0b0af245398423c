import http.server
import os
import threading

import numpy as np
import pytest
import scipy.io

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
THEANO_REFERENCE = os.path.join(SHARED, "reference", "theano_reference.npz")
NUMPY_REFERENCE = os.path.join(REPO, "tests", "reference", "numpy_reference.npz")
SHARED_DATA = os.path.join(SHARED, "data")


def pytest_collection_modifyitems(items):
    """Every test that opens the explorer page in Chromium is slow, as the end-to-end,
    subprocess and figure tests are (each module or test says so itself)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def needs_shared(path):
    """Skip (with the reason) when a file from ../shared is absent."""
    return pytest.mark.skipif(not os.path.exists(path),
                              reason=f"{path} is absent (it comes with ../shared beside the repo)")


@pytest.fixture
def tiny_binary():
    """20 rows of 6 features in [0, 1] with exact 0s and 1s."""
    x = np.random.RandomState(0).uniform(size=(20, 6))
    x[x < 0.2], x[x > 0.9] = 0.0, 1.0
    return x


def write_tiny_mnist(folder):
    """A tiny MNIST in Keras' format in ``folder``: 240 training images (200 train, the last
    sixth validates, as the loader splits the real 60,000) and 50 test images, each a bright
    bar whose row is its label (learnable) over faint noise."""
    rs = np.random.RandomState(0)
    labels = rs.randint(0, 10, 300)
    images = np.zeros((300, 28, 28), np.uint8)
    for i, label in enumerate(labels):
        images[i, 2 + 2 * label:4 + 2 * label, 4:24] = 255
    images = np.maximum(images, rs.randint(0, 40, images.shape).astype(np.uint8))
    folder.mkdir(exist_ok=True)
    np.savez(folder / "mnist.npz", x_train=images[:240], y_train=labels[:240],
             x_test=images[250:], y_test=labels[250:])
    return folder


@pytest.fixture
def mnist_dir(tmp_path):
    """tmp_path/data holding a tiny MNIST (``write_tiny_mnist``)."""
    return write_tiny_mnist(tmp_path / "data")


@pytest.fixture(scope="module")
def module_mnist_dir(tmp_path_factory):
    """A tiny MNIST (``write_tiny_mnist``) shared by a module's tests."""
    return write_tiny_mnist(tmp_path_factory.mktemp("data"))


@pytest.fixture
def frey_dir(tmp_path):
    """tmp_path/data holding a tiny Frey Face of 130 random faces: runs on it hold out 30
    (--held-out), the real file's 1,965 faces being what the original's split (the first
    1,500 train) needs."""
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    faces = np.random.RandomState(1).randint(60, 200, (560, 130)).astype(np.uint8)
    scipy.io.savemat(folder / "frey_rawface.mat", {"ff": faces})
    return folder


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 serving tmp_path/served."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
