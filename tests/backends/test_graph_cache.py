"""Rewritten graphs kept between processes (``vae_theano.backends.graph_cache``): a warm
process skips the rewriting and computes the same numbers; another graph misses; the
training set never enters the cache; a damaged entry is rewritten."""

import json
import os
import subprocess
import sys

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from vae_theano.backends import graph_cache, resolve_mode

pytestmark = pytest.mark.slow  # compares fresh processes, cold and warm

SCRIPT = """
import json
import numpy as np
from pytensor.compile.maker import FunctionMaker
from vae_theano import VAE
rewrites = []
prepare = FunctionMaker.prepare_fgraph
def counted(*args, **kwargs):
    rewrites.append(1)
    return prepare(*args, **kwargs)
FunctionMaker.prepare_fgraph = staticmethod(counted)
x = np.random.RandomState(0).uniform(size=(2000, 784))
vae = VAE(False, 5, 4, 2, x, batch_size=10, dtype="float64", lam={lam})
bounds = vae.update_batches(np.array([0, 2, 1]), 1).tolist()
print(json.dumps(dict(bounds=bounds, likelihood=float(vae.likelihood(x[:50])), rewrites=len(rewrites),
                      params={{k: p.get_value().tolist() for k, p in vae.params.items()}})))
"""


def build(compiledir, lam=0, seed="0"):
    """A fresh process on ``compiledir``: its numbers and how many graphs PyTensor rewrote."""
    flags = ",".join(f for f in (f"compiledir={compiledir}", os.environ.get("PYTENSOR_FLAGS", "")) if f)
    run = subprocess.run([sys.executable, "-c", SCRIPT.format(lam=lam)], capture_output=True, text=True,
                         env=dict(os.environ, PYTENSOR_FLAGS=flags, PYTHONHASHSEED=seed))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def entries(compiledir):
    folder = compiledir / graph_cache.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_warm_process_skips_the_rewriting_and_computes_the_same_numbers(tmp_path):
    cold = build(tmp_path)
    # update_batches and its scan's step, then likelihood; the step is rewritten whenever it links
    assert cold["rewrites"] == 3
    kept = entries(tmp_path)
    assert len(kept) == 2  # update_batches and likelihood
    assert all(entry.stat().st_size < 2_000_000 for entry in kept)  # the 12.5 MB training set is not in them
    warm = build(tmp_path, seed="1")  # another hash seed: the same keys
    assert warm.pop("rewrites") == 1 and cold.pop("rewrites") == 3
    assert warm == cold  # bit for bit: bounds, bound on held-out rows, parameters after the steps
    assert entries(tmp_path) == kept

    other = build(tmp_path, lam=0.5)  # another constant in the update's graph: another key
    assert other["rewrites"] == 2  # likelihood's graph does not depend on lam
    # the first bound comes before any step; lam's weight decay changes the later ones
    assert other["bounds"][0] == cold["bounds"][0] and other["bounds"][1:] != cold["bounds"][1:]
    assert len(entries(tmp_path)) == 3


def test_a_damaged_entry_is_rewritten_and_replaced(tmp_path):
    cold = build(tmp_path)
    for entry in entries(tmp_path):
        entry.write_bytes(b"not a pickle")
    again = build(tmp_path)
    assert again.pop("rewrites") == 3 and cold.pop("rewrites") == 3
    assert again == cold
    assert build(tmp_path)["rewrites"] == 1


def test_the_folder_keeps_the_most_recently_used_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_cache, "KEEP", 3)
    for i in range(5):
        path = tmp_path / f"{i}.pkl"
        path.write_bytes(b"")
        os.utime(path, (1000 + i, 1000 + i))
    (tmp_path / "other.txt").write_text("not an entry")
    graph_cache._evict(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.pkl", "3.pkl", "4.pkl", "other.txt"]


def test_the_key_follows_the_graph_the_settings_and_the_source_not_the_names(monkeypatch):
    keys = []
    key_of = graph_cache.graph_key
    monkeypatch.setattr(graph_cache, "graph_key", lambda *args: keys.append(key_of(*args)) or keys[-1])
    monkeypatch.setattr(graph_cache, "_load", lambda path, inputs: None)  # nothing read or written here
    monkeypatch.setattr(graph_cache, "_save", lambda path, maker, inputs: None)
    mode = resolve_mode("CVM")
    assert isinstance(mode, graph_cache.CachedMode)

    def key(scale=2.0, mode=mode):
        x, s = pt.matrix("x"), pytensor.shared(np.ones((2, 2)), name="s")
        pytensor.function([x], (x * scale * s).sum(), updates={s: s + 1}, mode=mode)
        return keys[-1]

    base = key()
    assert key() == base  # new variables with new counter names, and another shared value: the same key
    assert key(3.0) != base  # a constant
    assert key(mode=mode.excluding("fusion")) != base  # the rewrite query
    with pytensor.config.change_flags(cmodule__warn_no_version=not pytensor.config.cmodule__warn_no_version):
        assert key() != base  # any setting
    monkeypatch.setattr(graph_cache, "_package_source", b"this package, edited")
    assert key() != base
