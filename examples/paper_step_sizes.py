"""Each model's step size in figure2.csv and figure3.csv: the paper's rule, run again.

    python examples/paper_step_sizes.py --data ../shared/data        # examples/results
    python examples/paper_step_sizes.py --results runs/figure2

The paper chose each model's Adagrad step size from {0.01, 0.02, 0.1} by the
training bound after its first minibatches (vae_theano/paper/models.py,
choose_step_size). The choice is deterministic (the same model from the same
seed gets the same one), so running the rule again gives the step size each
model trained with, and the scores behind it: this fills the step_size and
step_scores columns of CSVs written before the runners recorded them
(with one BLAS thread, as the models trained).
"""

import argparse
import functools
import os

from vae_theano.backends.blas import blas_threads
from vae_theano.files.atomic import read_csv, write_csv
from vae_theano.paper import figure2, figure3, settings
from vae_theano.paper.models import paper_step_size, step_columns
from vae_theano.runs.cli import cli


def figure2_choice(dataset, n_z, method, data):
    x_train, _ = figure2.model_data(dataset, data)
    config = functools.partial(settings.paper_config, dataset, x_train, n_latent=n_z,
                               hidden=settings.FIGURE2[dataset]["hidden"], method=method)
    return paper_step_size(lambda lr: config(learning_rate=lr), x_train, method)


def figure3_choice(size, method, data):
    x_train = figure3.mnist_images(data)[0][:size]
    config = functools.partial(settings.paper_config, "mnist", x_train, n_latent=settings.FIGURE3_N_Z,
                               hidden=settings.FIGURE3_HIDDEN, method=method)
    return paper_step_size(lambda lr: config(learning_rate=lr), x_train, method)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--results", default="examples/results", help="folder holding figure2.csv and/or figure3.csv")
    p.add_argument("--data", default=None, help="data file or folder (default: as the loaders search)")
    args = p.parse_args(argv)
    figures = [(figure2, ("dataset", "n_z", "method"), figure2_choice),
               (figure3, ("train_size", "method"), figure3_choice)]
    done = 0
    for module, key, choose in figures:
        path = os.path.join(args.results, f"figure{module.__name__[-1]}.csv")
        if not os.path.exists(path):
            continue
        rows = read_csv(path)
        choices = {}
        for model in dict.fromkeys(tuple(r[k] for k in key) for r in rows):
            with blas_threads(1):  # as every model of the figures trained (runs.sweep)
                choices[model] = step_columns(choose(*model, args.data))
            print(f"{path}: {', '.join(map(str, model))}: step size {choices[model]['step_size']} "
                  f"({choices[model]['step_scores']})", flush=True)
        write_csv([dict(r, **choices[tuple(r[k] for k in key)]) for r in rows], module.FIELDS, path)
        done += 1
    if not done:
        raise FileNotFoundError(f"{args.results} holds neither figure2.csv nor figure3.csv")


if __name__ == "__main__":
    cli(main)
