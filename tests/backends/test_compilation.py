"""C modules built in parallel (``vae_theano.backends.compilation``): the modules and the
numbers of PyTensor's own linker, which builds them one after another, and nothing left behind."""

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # builds every C module of the model, in parallel and one by one

SCRIPT = """
import json
import shutil
import numpy as np
from pytensor.compile.mode import get_mode
from vae_theano import VAE
x = np.random.RandomState(0).uniform(size=(40, 6))
vae = VAE(False, 5, 4, 2, x, batch_size=10, dtype="float64", mode={mode})
bounds = vae.update_batches(np.array([0, 2, 1]), 1).tolist()
print(json.dumps(dict(bounds=bounds, likelihood=float(vae.likelihood(x)),
                      linker=type(vae.compiled("update_batches").maker.linker).__name__)))
"""


def cold_build(tmp_path, name, mode):
    """Build in a fresh process with an empty compile cache and temporary folder:
    (what the script printed, the names of the modules in the cache, what is left in the temporary folder)."""
    compiledir, tmpdir = tmp_path / name, tmp_path / f"{name}-tmp"
    tmpdir.mkdir()
    flags = ",".join(f for f in (f"compiledir={compiledir}", os.environ.get("PYTENSOR_FLAGS", "")) if f)
    run = subprocess.run([sys.executable, "-c", SCRIPT.format(mode=mode)], capture_output=True, text=True,
                         env=dict(os.environ, PYTENSOR_FLAGS=flags, TMPDIR=str(tmpdir)))
    assert run.returncode == 0, run.stderr
    modules = {p.name for p in compiledir.rglob("*.so") if p.parent.name not in ("cutils_ext", "lazylinker_ext")}
    return json.loads(run.stdout.strip().splitlines()[-1]), modules, os.listdir(tmpdir)


def test_parallel_builds_give_the_modules_and_numbers_of_pytensors_own_linker(tmp_path):
    ours, our_modules, our_leftovers = cold_build(tmp_path, "ours", "None")
    theirs, their_modules, _ = cold_build(tmp_path, "pytensor", "get_mode('CVM')")
    assert (ours["linker"], theirs["linker"]) == ("ParallelCVMLinker", "VMLinker")
    assert len(our_modules) > 20 and our_modules == their_modules  # named by their sources' hashes
    assert ours["bounds"] == theirs["bounds"] and ours["likelihood"] == theirs["likelihood"]
    assert not [name for name in our_leftovers if name.startswith("vae_theano_")], our_leftovers


def test_the_march_flags_kept_are_the_ones_pytensor_finds(tmp_path):
    """PyTensor searches this CPU's -march flags once; later processes read them from the cache."""
    ours = ("from vae_theano.backends import resolve_mode; resolve_mode(None)\n"
            "from pytensor.link.c.cmodule import GCC_compiler; print(GCC_compiler.march_flags)")
    pytensors = ("from pytensor.link.c.cmodule import GCC_compiler; GCC_compiler.compile_args()\n"
                 "print(GCC_compiler.march_flags)")
    env = dict(os.environ, PYTENSOR_FLAGS=f"compiledir={tmp_path}")
    found = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
             .stdout.strip().splitlines()[-1] for script in (ours, ours, pytensors)]
    assert found[0] == found[1] == found[2] and "-march" in found[0], found
    saved = tmp_path / "vae_theano_march_flags.json"
    saved.write_text(json.dumps({key: ["-march=read-from-the-file"] for key in json.loads(saved.read_text())}))
    read = subprocess.run([sys.executable, "-c", ours], env=env, capture_output=True, text=True, check=True)
    assert read.stdout.strip().splitlines()[-1] == "['-march=read-from-the-file']"


def test_gold_links_the_modules_where_gcc_finds_it_unless_the_user_chose_a_linker(tmp_path):
    script = ("from vae_theano.backends import resolve_mode; resolve_mode(None)\n"
              "import pytensor; print([f for f in pytensor.config.gcc__cxxflags.split() if not f.startswith('-D')])")

    def flags(cxxflags=None):
        pytensor_flags = f"compiledir={tmp_path}" + (f",gcc__cxxflags={cxxflags}" if cxxflags else "")
        run = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTENSOR_FLAGS=pytensor_flags),
                             capture_output=True, text=True, check=True)
        return run.stdout.strip().splitlines()[-1]

    gold = shutil.which("ld.gold") is not None
    assert ("'-fuse-ld=gold'" in flags()) == gold and ("'-pipe'" in flags()) == gold
    chosen = flags("-fuse-ld=bfd")
    assert "'-fuse-ld=bfd'" in chosen and "gold" not in chosen and "'-g0'" in chosen
