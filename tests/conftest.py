import http.server
import os
import threading

import numpy as np
import pytest

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
