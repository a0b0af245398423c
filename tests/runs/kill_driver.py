"""Run examples/train_mnist.py on a tiny MNIST in this process, and SIGKILL it at a chosen moment.

    python tests/runs/kill_driver.py KILL ARGS...

KILL is "none", "update:E:K" (at the K-th training call of epoch E),
"save:E" (halfway through writing epoch E's checkpoint) or "history:E" (after
epoch E's checkpoint is saved, before history.csv is written); or, killing
nothing, "wait:PATH" (each training call waits until the file PATH exists,
so that the run holds its folder as long as a test needs). ARGS go to
train_mnist.py. The kill is a real SIGKILL of this process: no Python
cleanup, no finally blocks, as a power cut or the OOM killer would do it.
"""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples"))  # tests/runs -> the repo

import numpy as np  # noqa: E402

from vae_theano.runs import checkpoint, training  # noqa: E402
from vae_theano.runs.cli import cli  # noqa: E402
from vae_theano.vae import VAE  # noqa: E402


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def before_each_training_call(hook):
    """Call ``hook(epoch)`` before every ``update`` and ``update_batches`` call."""
    for name in ("update", "update_batches"):
        real = getattr(VAE, name)

        def wrapped(self, batch, epoch, _real=real):
            hook(epoch)
            return _real(self, batch, epoch)

        setattr(VAE, name, wrapped)


def arm(kill):
    if kill.startswith("wait:"):
        before_each_training_call(lambda epoch: wait_for(kill[len("wait:"):]))
        return
    what, *at = kill.split(":")
    at = [int(a) for a in at]
    if what == "update":
        calls = {}

        def count(epoch):
            calls[epoch] = calls.get(epoch, 0) + 1
            if (epoch, calls[epoch]) == tuple(at):
                die()

        before_each_training_call(count)
    elif what == "save":
        real_save, real_savez = checkpoint.save_checkpoint, np.savez

        def half_written(f, **arrays):
            real_savez(f, **arrays)
            f.truncate(f.tell() // 2)
            f.flush()
            os.fsync(f.fileno())
            die()

        def save(path, vae, meta, *method_state):
            if len(meta["history"]) == at[0]:
                np.savez = half_written
            return real_save(path, vae, meta, *method_state)

        training.save_checkpoint = save
    elif what == "history":
        real_write = training.write_history
        state = {"saved": False}

        def write(path, history):
            if len(history) == at[0] and state["saved"]:
                die()
            return real_write(path, history)

        real_save = training.save_checkpoint

        def save(path, vae, meta, *method_state):
            real_save(path, vae, meta, *method_state)
            state["saved"] = True

        training.save_checkpoint = save
        training.write_history = write
    elif what != "none":
        raise SystemExit(f"unknown kill moment {kill!r}")


def wait_for(path, timeout=300):
    """Return once the file ``path`` exists (at once if it does)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} never appeared")
        time.sleep(0.05)


if __name__ == "__main__":
    arm(sys.argv[1])
    sys.argv = ["train_mnist.py"] + sys.argv[2:]
    import train_mnist

    cli(train_mnist.main)
