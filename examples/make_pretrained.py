"""Package a training run as a pretrained model: its parameters, and a card that says what it scores.

    python examples/make_pretrained.py runs/pretrained/mnist-nz20 mnist-nz20 \
        --command "python examples/train_mnist.py --out runs/pretrained/mnist-nz20" \
        --description "The original run.py's model" \
        --retrain runs/retrain/mnist-nz20 --retrain-kernels "Haswell (OPENBLAS_CORETYPE=Haswell)"

Writes vae_theano/pretrained/NAME.npz (the parameters alone, in the run's dtype), NAME.json
(the card) and NAME.md (the card for people). The held-out numbers are those of
the model as ``pretrained.load`` gives it (fresh noise from the run's seed): the
lower bound over the whole held-out set (MNIST's 10,000 test images, Frey Face's
held-out faces), and the importance-sampled log p(x) (Burda et al. 2015) with
its Monte Carlo standard error (taken from the card already there when the file
and the estimate's settings are the same). --retrain names a second run of the
same command, made with other BLAS kernels: the card says how far it lands.
"""

import argparse
import json
import os
import platform
import time

import numpy as np
import pytensor

from vae_theano import pretrained
from vae_theano.backends.blas import blas_core
from vae_theano.evaluate import mean_lower_bound
from vae_theano.files.atomic import atomic_write
from vae_theano.persistence import get_parameters
from vae_theano.runs.checkpoint import CHECKPOINT_FILE, load_checkpoint, load_run
from vae_theano.runs.cli import cli


SEED = 0  # the importance samples of log p(x)


def as_shipped(vae, config):
    """The model as ``pretrained.load`` builds it: no training set, fresh noise from the seed."""
    return pretrained.build(config.to_dict(), get_parameters(vae))


def machine():
    """This machine's CPU and BLAS kernels, and the versions that compute the numbers."""
    try:
        with open("/proc/cpuinfo") as f:
            info = dict(map(str.strip, line.split(":", 1)) for line in f.read().split("\n\n")[0].splitlines()
                        if ":" in line)
    except OSError:  # not Linux
        info = {}
    cpu = " ".join(info.get("model name", platform.processor()).split())
    return (f"{cpu} ({os.cpu_count()} cores), family {info.get('cpu family', '?')}, "
            f"OpenBLAS {blas_core()} kernels; "
            f"Python {platform.python_version()}, PyTensor {pytensor.__version__}, NumPy {np.__version__}")


def final_epoch(folder):
    """(epochs trained, the last history row) of the run in ``folder``."""
    _, meta = load_checkpoint(os.path.join(folder, CHECKPOINT_FILE))
    return len(meta["history"]), meta["history"][-1]


def earlier_log_px(name, sha256, k, rows):
    """(log p(x), its standard error) from the card already written for the same file and
    estimate (a second call adds --retrain without estimating again), else None."""
    try:
        card = pretrained.card(name)
    except (ValueError, OSError):
        return None
    held = card["held_out"]
    if (card["sha256"], held["k"], held["seed"], held["log_px_rows"]) != (sha256, k, SEED, rows):
        return None
    print(f"{name}: log p(x) {held['log_px']:.3f} +- {held['log_px_stderr']:.3f}, as the card says "
          f"(the same parameters, k and rows)", flush=True)
    return held["log_px"], held["log_px_stderr"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("run_dir", help="the training run (holds checkpoint.npz)")
    p.add_argument("name", help="the pretrained model's name, e.g. mnist-nz20")
    p.add_argument("--command", required=True, help="the exact command that trained the run")
    p.add_argument("--description", required=True, help="one paragraph: what the model is")
    p.add_argument("--k", type=int, default=5000, help="importance samples per datapoint for log p(x)")
    p.add_argument("--limit", type=int, default=None, help="log p(x) on the first N held-out rows only")
    p.add_argument("--retrain", default=None, help="a second run of --command, with other BLAS kernels")
    p.add_argument("--retrain-kernels", default=None, help="what --retrain ran on, in words")
    p.add_argument("--retrain-note", default="", help="a sentence on the retrain's difference")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    args = p.parse_args(argv)

    vae, config, (x_held, held_name, _) = load_run(args.run_dir, args.data)
    epochs, last = final_epoch(args.run_dir)
    if args.retrain:  # checked before anything is written
        other, other_config, _ = load_run(args.retrain, args.data)
        if other_config != config:
            raise ValueError(f"{args.retrain}: another configuration: {config.differences(other_config)}")
    shipped = as_shipped(vae, config)
    file = os.path.join(pretrained.FOLDER, f"{args.name}.npz")
    sha256 = pretrained.save(shipped, file + ".new")  # in place with its card, at the end
    bound = mean_lower_bound(shipped, x_held)
    print(f"{args.name}: held-out bound {bound:.3f} on {len(x_held)} rows of the {held_name} set", flush=True)
    rows = x_held[:args.limit]
    log_px = earlier_log_px(args.name, sha256, args.k, len(rows))
    if log_px is None:
        begin = time.perf_counter()
        ll, se = shipped.log_likelihood(rows, k=args.k, seed=SEED, return_stderr=True, progress=True)
        log_px = float(ll.mean()), float(np.sqrt(np.sum(se ** 2)) / len(rows))
        print(f"{args.name}: log p(x) {log_px[0]:.3f} +- {log_px[1]:.3f} "
              f"(k={args.k}, {time.perf_counter() - begin:.0f} s)", flush=True)
    info = {
        "name": args.name, "description": args.description, "command": args.command,
        "config": config.to_dict(), "epochs": epochs,
        "samples": epochs * (config.N // config.batch_size) * config.batch_size,
        "train_bound": last["train_bound"], "valid_bound": last["valid_bound"],
        "held_out": {"set": held_name, "rows": len(x_held), "bound": bound, "log_px": log_px[0],
                     "log_px_stderr": log_px[1], "k": args.k, "seed": SEED, "log_px_rows": len(rows)},
        "sha256": sha256, "bytes": os.path.getsize(file + ".new"), "machine": machine(),
    }
    if args.retrain:
        other_epochs, other_last = final_epoch(args.retrain)
        ours, theirs = get_parameters(vae), get_parameters(other)
        info["retrain"] = {
            "machine": args.retrain_kernels or "another machine", "note": args.retrain_note,
            "epochs": other_epochs, "train_bound": other_last["train_bound"],
            "valid_bound": other_last["valid_bound"],
            "bound": mean_lower_bound(as_shipped(other, other_config), x_held),
            "max_parameter_difference": float(max(np.max(np.abs(ours[k] - theirs[k])) for k in ours)),
        }
    os.replace(file + ".new", file)
    with atomic_write(os.path.join(pretrained.FOLDER, f"{args.name}.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    with atomic_write(os.path.join(pretrained.FOLDER, f"{args.name}.md"), "w") as f:
        f.write(pretrained.render_card(info))
    print(f"wrote {file} ({info['bytes']:,} bytes) and its card")
    return info


if __name__ == "__main__":
    cli(main)
