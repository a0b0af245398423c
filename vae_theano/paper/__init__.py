"""The experiments of Kingma & Welling (2013), section 5, above the runs and the model.

- ``settings``: the paper's settings and each figure's, in one place;
- ``hmc``: Hamiltonian Monte Carlo on a model's posterior p(z|x);
- ``wake_sleep``, ``mcem``: the paper's baselines, training methods on the model's
  own encoder/decoder (``vae_theano.runs.methods.TrainingMethod``);
- ``marginal_likelihood``: the paper's HMC estimator of log p(x) (appendix D);
- ``models``: one model of the paper, its step size chosen as the paper did,
  trained to a budget in a folder of its own;
- ``figure2``, ``figure3``, ``figures45``: the figures, from their models.

The model never imports this package.
"""
