"""A plain install: the built wheel in a fresh virtual environment, run from another folder
with an empty HOME, writes nothing into site-packages and caches data sets per user; its
pretrained models (and the explorer page of one) work with no data set on the machine and no network."""

import hashlib
import os
import subprocess
import sys
import sysconfig
import venv

import numpy as np
import pytest
import scipy.io

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow  # builds a wheel and installs it into a fresh environment

SCRIPT = """
import hashlib, os, sys
import numpy as np
from vae_theano import datasets
assert datasets.__file__.startswith(sys.argv[1]), datasets.__file__
assert datasets.CHECKOUT_DATA is None
datasets.FREY_MIRRORS = (sys.argv[2],)
datasets.FREY_ARRAY_SHA256 = sys.argv[3]
x_train, x_valid = datasets.load_freyface(n_train=9)
print(x_train.shape, x_valid.shape)
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX paths")
def test_the_wheel_installs_and_downloads_into_the_users_cache(tmp_path, server):
    served, url = server
    faces = np.random.RandomState(0).randint(0, 256, (560, 12)).astype(np.uint8)
    scipy.io.savemat(served / "frey_rawface.mat", {"ff": faces})
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), REPO],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("vae_theano-*.whl")

    # A fresh environment: the wheel in its own site-packages, the dependencies
    # (pytensor, numpy, ...) seen through a path file pointing at this one's.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, "dependencies.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, str(wheel)],
                   check=True, capture_output=True, timeout=300)
    before = set(os.listdir(site))

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VAE_THEANO_DATA", "XDG_CACHE_HOME", "PYTHONPATH")}
    env["HOME"] = str(home)
    digest = hashlib.sha256(faces.tobytes()).hexdigest()
    result = subprocess.run([str(python), "-c", SCRIPT, site, url, digest], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(9, 560) (3, 560)"
    assert os.listdir(home / ".cache" / "vae-theano") == ["frey_rawface.mat"]
    assert set(os.listdir(site)) - before <= {"__pycache__"}  # nothing written beside the package
    assert not os.path.exists(os.path.join(site, "data"))
    assert os.listdir(elsewhere) == []

    # The pretrained models, from the installed package: no data set anywhere, no network.
    assert os.path.getsize(wheel) < 10 * 2 ** 20, os.path.getsize(wheel)
    env["VAE_THEANO_DATA"] = str(tmp_path / "no-data")
    result = subprocess.run([str(python), "-c", PLAY, site], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["freyface-nz2,mnist-nz2,mnist-nz20", "ok"]
    assert sorted(os.listdir(elsewhere)) == ["page.html", "scatter.png"]


PLAY = """
import socket, sys
import numpy as np

def no_network(*args, **kwargs):
    raise OSError("no network in this test")

socket.socket.connect = no_network
from vae_theano import latent, plots, pretrained
assert pretrained.__file__.startswith(sys.argv[1]), pretrained.__file__
print(",".join(pretrained.list()))
vae = pretrained.load("mnist-nz20")
x = vae.sample(20, seed=0)
mu, log_sigma = vae.encode_mean(x)
assert vae.encode(x).shape == (20, 20) and vae.decode(mu).shape == (20, 784)
line = latent.interpolate(vae, mu[0], mu[1], steps=7)
grid = latent.traverse(vae, mu[0], dims=[0, 5])
assert line.shape == (7, 784) and grid.shape == (2, 9, 784)
plots.plot_interpolation(line), plots.plot_traversal(grid)
plots.plot_latent(mu, np.arange(20) % 10, path="scatter.png")
from vae_theano import explorer  # the explorer page's template comes with the package
size = explorer.write_page(vae, "page.html", title="mnist-nz20", examples=x)
assert size > 3_000_000 and "window.vae = " in open("page.html", encoding="utf-8").read()
faces = pretrained.load("freyface-nz2")
plots.plot_manifold(faces.decode, n=5)
assert np.isfinite(faces.log_likelihood(faces.sample(3, seed=1), k=10)).all()
try:
    pretrained.load("nope")
except ValueError as e:
    assert "there are: freyface-nz2, mnist-nz2, mnist-nz20" in str(e)
else:
    raise SystemExit("pretrained.load('nope') did not refuse")
print("ok")
"""
