"""What the example scripts share: one-line errors, the training flags, one run from data to pictures.

``examples/train_mnist.py`` and ``examples/train_freyface.py`` load their data
and call ``train_and_draw``; everything else (flags, model, loop, checkpoints,
pictures, summary) is here so that both behave the same way.
"""

import argparse
import os
import sys
import time

import numpy as np

from .. import plots
from ..backends.modes import DEFAULT_MODE
from ..evaluate import mean_lower_bound
from ..files.atomic import WriteError
from ..options import OPTIONS
from .config import SAMPLINGS, RunConfig
from .folder import RunFolderBusy
from .training import TrainingDiverged, train

PICTURES = {
    "history": "history.png",
    "samples": "samples.png",
    "reconstructions": "reconstructions.png",
    "manifold": "manifold.png",
    "latent": "latent_means.png",
}
_DEFAULTS = RunConfig.__dataclass_fields__


def cli(main):
    """Run an example's ``main(argv)`` from the command line: a missing or bad file,
    a refused checkpoint, a diverged run or a failed write ends with one clear line,
    not a traceback."""
    try:
        main(sys.argv[1:])
    except WriteError as e:
        sys.exit(f"error: {e.strerror}; the last good checkpoint is kept")
    except (FileNotFoundError, ValueError, TrainingDiverged, RunFolderBusy) as e:
        sys.exit(f"error: {e}")
    except KeyboardInterrupt:
        sys.exit("interrupted; run the same command again to resume from the last checkpoint")


def parser(description, *, epochs, hidden, n_latent, batch_size, learning_rate, out):
    """An ArgumentParser with the training flags, their defaults shown in --help.

    The arguments are the example's own defaults; every other flag's default is
    ``RunConfig``'s (the original's). The model's options are ``add_option_flags``'."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--epochs", type=int, default=epochs, help="epochs to train in all (a resumed run continues up to this)")
    p.add_argument("--hidden", type=int, default=hidden, help="hidden units of encoder and decoder")
    p.add_argument("--hu-encoder", type=int, default=None, help="encoder hidden units (None: same as --hidden)")
    p.add_argument("--hu-decoder", type=int, default=None, help="decoder hidden units (None: same as --hidden)")
    p.add_argument("--n-latent", type=int, default=n_latent, help="dimension of z")
    add_option_flags(p, defaults={"batch_size": batch_size, "learning_rate": learning_rate})
    add_loop_flags(p)
    p.add_argument("--data", default=None,
                   help="data file or folder (default: $VAE_THEANO_DATA, then data/, then download)")
    p.add_argument("--out", default=out, help="run folder: checkpoint, history.csv, pictures")
    p.add_argument("--mode", default=DEFAULT_MODE, help="PyTensor backend: CVM (C), NUMBA, JAX, ...")
    p.add_argument("--dtype", default=_DEFAULTS["dtype"].default, choices=["float32", "float64"], help="precision")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start over")
    return p


def add_option_flags(p, names=tuple(OPTIONS), defaults=None):
    """One flag per model option of ``names`` (``options.OPTIONS``: --batch-size, --bounded-mean,
    ...), with the option's help, choices and kind; the default is ``defaults[name]``
    where given, else ``RunConfig``'s (VAE's). A boolean option is a switch that turns it on."""
    defaults = defaults or {}
    for name in names:
        option, default = OPTIONS[name], defaults.get(name, _DEFAULTS[name].default)
        flag = "--" + name.replace("_", "-")
        if option.kind is bool:
            p.add_argument(flag, action="store_true", default=default, help=option.help)
        else:
            p.add_argument(flag, type=option.kind, choices=option.choices, default=default, help=option.help)


def add_loop_flags(p, defaults=None):
    """--sampling and --warm-up: the training loop's ``RunConfig.sampling`` and ``warm_up``,
    by default ``defaults`` ({"sampling": ..., "warm_up": ...}; None: the original's loop,
    RunConfig's; the paper's scripts pass Kingma's, ``paper.settings.LOOP``)."""
    defaults = {name: _DEFAULTS[name].default for name in ("sampling", "warm_up")} | dict(defaults or {})
    p.add_argument("--sampling", default=defaults["sampling"], choices=SAMPLINGS,
                   help="each epoch's minibatches: the original's fixed ones in a shuffled order (epochs), "
                        "the rows reshuffled (shuffled-rows), or drawn with replacement (Kingma's code)")
    p.add_argument("--warm-up", type=_whole_number, default=defaults["warm_up"],
                   help="minibatches whose gradients only fill the optimiser's sums before its first step "
                        "(Kingma's code: 100)")


def _whole_number(text):
    """argparse's type for a count >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a whole number >= 0, got {text!r}")
    return int(text)


def config_from_args(args, x_train, *, dataset, continuous, binarize=None, split_seed=None):
    """The ``RunConfig`` of a training example's flags, for the training rows x_train (N, D)."""
    return RunConfig(dataset=dataset, continuous=continuous, N=len(x_train), features=x_train.shape[1],
                     hu_encoder=args.hu_encoder or args.hidden, hu_decoder=args.hu_decoder or args.hidden,
                     n_latent=args.n_latent, dtype=args.dtype, binarize=binarize, split_seed=split_seed,
                     sampling=args.sampling, warm_up=args.warm_up,
                     **{name: getattr(args, name) for name in OPTIONS})


def train_and_draw(args, x_train, x_valid, *, continuous, image_shape, dataset, labels_valid=None,
                   binarize=None, split_seed=None, log=print):
    """Build the model from ``args``, train it into ``args.out``, draw the pictures.

    Returns (vae, history). The pictures: the bound curves, prior samples,
    validation data beside reconstructions, and for n_latent == 2 the learned
    manifold and (with labels) the validation set's latent means.
    """
    begin = time.perf_counter()
    config = config_from_args(args, x_train, dataset=dataset, continuous=continuous, binarize=binarize,
                              split_seed=split_seed)
    vae = config.build_model(x_train, args.mode)
    log(f"model {vae.features}-{config.hu_encoder}-{config.n_latent}-{config.hu_decoder}-{vae.features} "
        f"({'Gaussian' if continuous else 'Bernoulli'} decoder), {vae.N} training rows, "
        f"{config.dtype}, mode {args.mode}; set up in {time.perf_counter() - begin:.1f} s "
        "(each function compiles on its first use, the first epoch's steps and validation)")
    history = train(vae, x_valid, args.epochs, args.out, config, fresh=args.fresh, log=log)
    draw_pictures(vae, history, x_valid, image_shape=image_shape, out=args.out, labels_valid=labels_valid)
    final = mean_lower_bound(vae, x_valid) if not history else history[-1]["valid_bound"]
    log(f"done: validation bound {final:.2f} nats per {'image' if image_shape else 'datapoint'} "
        f"after {len(history)} epochs; total {time.perf_counter() - begin:.1f} s; "
        f"results in {args.out}")
    return vae, history


def draw_pictures(vae, history, x_valid, *, image_shape, out, labels_valid=None):
    """Write the run's PNGs into ``out``; returns their paths."""
    paths = {name: os.path.join(out, file) for name, file in PICTURES.items()}
    plots.plot_history(history, paths["history"])
    plots.plot_samples(vae.decode(np.random.default_rng(0).standard_normal((100, vae.n_latent))), image_shape,
                       paths["samples"])
    shown = x_valid[:50]
    plots.plot_reconstructions(shown, vae.decode(vae.encode_mean(shown)[0]), image_shape, paths["reconstructions"])
    if vae.n_latent == 2:
        plots.plot_manifold(vae.decode, image_shape, paths["manifold"])
    else:
        del paths["manifold"]
    if labels_valid is not None and vae.n_latent >= 2:
        plots.plot_latent(vae.encode_mean(x_valid)[0], labels_valid, paths["latent"])
    else:
        del paths["latent"]
    return list(paths.values())


def parse_list(text, allowed, what):
    """"a,b" -> ["a", "b"], each checked against ``allowed``."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    bad = [item for item in items if item not in allowed]
    if bad or not items:
        raise ValueError(f"{what}: {', '.join(bad) or 'nothing given'}; choose from {', '.join(map(str, allowed))}")
    return items


def add_sweep_flags(p):
    """--workers and --scheduler: where a sweep's models train (``sweep.run_tasks``)."""
    p.add_argument("--workers", type=int, default=None,
                   help="train the models on a local Dask cluster of this many processes, one BLAS "
                        "thread each (None: one after another in this process)")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler (tcp://host:8786) whose workers see --out "
                        "and --data at the same paths")
