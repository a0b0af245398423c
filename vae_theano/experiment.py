"""What the training examples share: their command-line flags and one run from data to pictures.

``examples/train_mnist.py`` and ``examples/train_freyface.py`` load their data
and call ``run``; everything else (flags, model, loop, checkpoints, pictures,
summary) is here so that both behave the same way.
"""

import argparse
import os
import sys
import time

import numpy as np

from . import plots
from .checkpoint import CHECKPOINT_FILE, LATER_SETTINGS, CheckpointError, load_checkpoint
from .datasets import load_freyface, load_mnist
from .evaluate import lower_bound
from .run_folder import RunFolderBusy
from .training import TrainingDiverged, train
from .vae import VAE

PICTURES = {
    "history": "history.png",
    "samples": "samples.png",
    "reconstructions": "reconstructions.png",
    "manifold": "manifold.png",
    "latent": "latent_means.png",
}


def cli(main):
    """Run an example's ``main(argv)`` from the command line: a missing or bad file,
    a refused checkpoint or a diverged run ends with one clear line, not a traceback."""
    try:
        main(sys.argv[1:])
    except (FileNotFoundError, ValueError, TrainingDiverged, RunFolderBusy) as e:
        sys.exit(f"error: {e}")
    except KeyboardInterrupt:
        sys.exit("interrupted; run the same command again to resume from the last checkpoint")


def parser(description, *, epochs, hidden, n_latent, batch_size, learning_rate, out):
    """An ArgumentParser with the training flags, their defaults shown in --help."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--epochs", type=int, default=epochs, help="epochs to train in all (a resumed run continues up to this)")
    p.add_argument("--hidden", type=int, default=hidden, help="hidden units of encoder and decoder")
    p.add_argument("--hu-encoder", type=int, default=None, help="encoder hidden units (None: same as --hidden)")
    p.add_argument("--hu-decoder", type=int, default=None, help="decoder hidden units (None: same as --hidden)")
    p.add_argument("--n-latent", type=int, default=n_latent, help="dimension of z")
    p.add_argument("--batch-size", type=int, default=batch_size, help="rows per Adam step")
    p.add_argument("--learning-rate", type=float, default=learning_rate, help="Adam's step size")
    p.add_argument("--b1", type=float, default=0.95, help="Adam's first-moment decay (the original's)")
    p.add_argument("--b2", type=float, default=0.999, help="Adam's second-moment decay")
    p.add_argument("--lam", type=float, default=0.0, help="L2 (MAP) weight on the W matrices")
    p.add_argument("--bias-correction", choices=["epoch", "step"], default="epoch",
                   help="Adam's bias correction by epoch (the original) or by step (Kingma & Ba)")
    p.add_argument("--n-samples", type=int, default=1, help="noise samples per datapoint in the bound (L)")
    p.add_argument("--activation", choices=["relu", "tanh"], default="relu",
                   help="hidden units: the original's ReLU or the paper's tanh")
    p.add_argument("--optimizer", choices=["adam", "adagrad"], default="adam",
                   help="the original's Adam, or the paper's Adagrad (--learning-rate is its step size)")
    p.add_argument("--bounded-mean", action="store_true",
                   help="Gaussian decoder: a sigmoid mean in (0, 1), as the paper's Frey Face model")
    p.add_argument("--data", default=None,
                   help="data file or folder (default: $VAE_THEANO_DATA, then data/, then download)")
    p.add_argument("--out", default=out, help="run folder: checkpoint, history.csv, pictures")
    p.add_argument("--mode", default="CVM", help="PyTensor backend: CVM (C), NUMBA, JAX, ...")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="precision")
    p.add_argument("--seed", type=int, default=42, help="seeds weights, noise and batch order (42: the original's)")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start over")
    return p


def run(args, x_train, x_valid, *, continuous, image_shape, dataset, labels_valid=None,
        binarize=None, log=print):
    """Build the model from ``args``, train it into ``args.out``, draw the pictures.

    Returns (vae, history). The pictures: the bound curves, prior samples,
    validation data beside reconstructions, and for n_latent == 2 the learned
    manifold and (with labels) the validation set's latent means.
    """
    begin = time.perf_counter()
    hu_encoder = args.hu_encoder or args.hidden
    hu_decoder = args.hu_decoder or args.hidden
    config = dict(dataset=dataset, continuous=continuous, N=len(x_train), features=x_train.shape[1],
                  hu_encoder=hu_encoder, hu_decoder=hu_decoder, n_latent=args.n_latent,
                  batch_size=args.batch_size, learning_rate=args.learning_rate, b1=args.b1,
                  b2=args.b2, lam=args.lam, dtype=args.dtype, seed=args.seed, binarize=binarize,
                  bias_correction=args.bias_correction, n_samples=args.n_samples,
                  activation=args.activation, optimizer=args.optimizer, bounded_mean=args.bounded_mean)
    vae = model_from_config(config, x_train, args.mode)
    log(f"model {vae.features}-{hu_encoder}-{args.n_latent}-{hu_decoder}-{vae.features} "
        f"({'Gaussian' if continuous else 'Bernoulli'} decoder), {vae.N} training rows, "
        f"{args.dtype}, mode {args.mode}; built in {time.perf_counter() - begin:.1f} s")
    history = train(vae, x_valid, args.epochs, args.out, config, seed=args.seed,
                    fresh=args.fresh, binarize=binarize, log=log)
    draw_pictures(vae, history, x_valid, image_shape, args.out, labels_valid)
    final = lower_bound(vae, x_valid) if not history else history[-1]["valid_bound"]
    log(f"done: validation bound {final:.2f} nats per {'image' if image_shape else 'datapoint'} "
        f"after {len(history)} epochs; total {time.perf_counter() - begin:.1f} s; "
        f"results in {args.out}")
    return vae, history


def model_from_config(config, x_train, mode):
    """The VAE a run's configuration (as ``run`` writes it into checkpoints) describes."""
    return VAE(config["continuous"], config["hu_encoder"], config["hu_decoder"], config["n_latent"],
               x_train, b1=config["b1"], b2=config["b2"], batch_size=config["batch_size"],
               learning_rate=config["learning_rate"], lam=config["lam"], mode=mode,
               dtype=config["dtype"], seed=config["seed"],
               **{key: config.get(key, default) for key, default in LATER_SETTINGS.items()})


def draw_pictures(vae, history, x_valid, image_shape, out, labels_valid=None):
    """Write the run's PNGs into ``out``; returns their paths."""
    rng = np.random.default_rng(0)
    paths = [plots.plot_history(history, os.path.join(out, PICTURES["history"]))]
    samples = vae.decode(rng.standard_normal((100, vae.n_latent)))
    paths.append(plots.plot_samples(samples, image_shape, os.path.join(out, PICTURES["samples"])))
    shown = x_valid[:50]
    reconstructed = vae.decode(vae.encode_mean(shown)[0])
    paths.append(plots.plot_reconstructions(shown, reconstructed, image_shape,
                                            os.path.join(out, PICTURES["reconstructions"])))
    if vae.n_latent == 2:
        paths.append(plots.plot_manifold(vae.decode, image_shape, os.path.join(out, PICTURES["manifold"])))
        if labels_valid is not None:
            mu = vae.encode_mean(x_valid)[0]
            paths.append(plots.plot_latent_means(mu, labels_valid, os.path.join(out, PICTURES["latent"])))
    return paths


def load_run(run_dir, data=None, mode="CVM"):
    """Rebuild a training run's model from its checkpoint.

    Returns (vae, config, held_out): the model with the checkpoint's
    parameters, the run's configuration, and the data to evaluate on, (x, name):
    MNIST's test set (binarised once with seed 0 when the run trained on binary
    images), or Frey Face's validation faces (it has no test set).
    """
    path = os.path.join(run_dir, CHECKPOINT_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{run_dir} holds no {CHECKPOINT_FILE}: train into it first")
    state, meta = load_checkpoint(path)
    config = meta["config"]
    if config["dataset"] == "mnist":
        binary = "static" if config.get("binarize") in ("static", "dynamic") else None
        (x_train, _), _, (x_test, _) = load_mnist(data, binarize=binary)
        held_out = (x_test, "test")
    elif config["dataset"] == "freyface":
        x_train, x_valid = load_freyface(data)
        held_out = (x_valid, "validation")
    else:
        raise CheckpointError(f"{path}: unknown dataset {config['dataset']!r}")
    vae = model_from_config(config, x_train, mode)
    vae.set_state(state, source=path)
    vae.set_rng_state(meta["srng"])
    return vae, config, held_out
