"""Figures 4 and 5 of Kingma & Welling (2013): learned 2-D manifolds, and samples for several N_z.

Figure 4: the decoder's mean on a 20 x 20 grid of z evenly spaced in the
prior's probability, for the Frey Face and MNIST models with a 2-D latent
space. Figure 5: the decoder's mean for 100 draws z ~ p(z), MNIST models with
N_z = 2, 5, 10 and 20. The models are figure 2's AEVB models in the same
folders, trained or continued to the budget: after figure 2 only the MNIST
model with N_z = 2, which figure 2 does not have, is new.
"""

import os

import numpy as np

from ..plots import manifold_grid, plot_image_panels
from ..runs.folder import exclusive_run_folder
from . import settings
from .figure2 import model_data
from .models import train_model


def make_figures45(out, *, budgets, data=None, dtype="float32", mode=None, seed=0, figures=(4, 5), changes=None,
                   log=print):
    """Write figure4.png and figure5.png into ``out`` (figure 2's folder); returns the paths written.

    budgets: {dataset: training samples}; seed: the draws z ~ p(z) of figure 5; figures: which
    of the two to make (figure 4 needs the two N_z = 2 models alone); changes: the run
    configuration's fields that differ from the paper's, as figure 2's (``make_figure2``).
    """
    def model(name, n_z):
        log(f"{name}, N_z = {n_z}, aevb: up to {budgets[name]:.3g} samples")
        folder = os.path.join(out, f"{name}_nz{n_z}_aevb")
        return train_model(folder, dataset=name, data=loaded[name], n_latent=n_z,
                           hidden=settings.FIGURE2[name]["hidden"], method="aevb", budget=budgets[name],
                           dtype=dtype, log=log, mode=mode, changes=changes).vae

    with exclusive_run_folder(out):  # one run per folder, checked before the data loads
        loaded = {name: model_data(name, data) for name in settings.IMAGE_SHAPES}
        written = []
        if 4 in figures:
            z = manifold_grid(20)
            manifolds = [(f"{settings.TITLES[name]}, learned 2-D manifold", model(name, 2).decode(z),
                          settings.IMAGE_SHAPES[name], 20) for name in ("freyface", "mnist")]
            written.append(os.path.join(out, "figure4.png"))
            plot_image_panels(manifolds, written[-1], panel_size=6.0)
        if 5 in figures:
            rng = np.random.default_rng(seed)
            samples = [(f"MNIST, $N_z$ = {n_z}", model("mnist", n_z).decode(rng.standard_normal((100, n_z))),
                        settings.IMAGE_SHAPES["mnist"], 10) for n_z in settings.FIGURE5_LATENTS]
            written.append(os.path.join(out, "figure5.png"))
            plot_image_panels(samples, written[-1])
    return written
