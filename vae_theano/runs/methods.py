"""How a model learns from its batches: the protocol that the training loop drives.

A training method wraps a VAE and takes one step on one of its batches at a
time. AEVB, the model's own ``update``, is the method every run uses unless
it names another; the paper's baselines (``vae_theano.paper.wake_sleep``,
``vae_theano.paper.mcem``) are methods on the same model.
"""

import numpy as np

from ..validation import check_batch, check_batches, check_epoch, check_trainable


class TrainingMethod:
    """One way of training ``vae``, batch by batch.

    A method implements ``train_step(batch, epoch)``: one step on batch ``batch``
    of the model's training set (rows ``batch * batch_size`` onwards, ``rows``),
    returning the number the run records for that step (the batch's bound
    before the step, for AEVB and wake-sleep). ``update`` checks the arguments
    and takes one step; ``update_batches`` checks them once and takes a step per
    batch, in order, returning their values (len(batches),). A method with
    state of its own besides the model's shared variables (MCEM's chains) keeps
    it through ``get_state``/``set_state``, which the checkpoints store.
    """

    def __init__(self, vae):
        check_trainable(vae.x_train, f"{type(self).__name__} training")
        self.vae = vae

    def train_step(self, batch, epoch):
        raise NotImplementedError

    def update(self, batch, epoch):
        """One step on batch ``batch`` (an integer in [0, n_batches)); ``epoch`` >= 1."""
        batch = check_batch(batch, self.vae.n_batches)
        check_epoch(epoch)
        return self.train_step(batch, epoch)

    def update_batches(self, batches, epoch):
        """``update(b, epoch)`` for each b of ``batches`` (1-D integers), in order; (len(batches),)."""
        batches = check_batches(batches, self.vae.n_batches)
        check_epoch(epoch)
        return np.array([self.train_step(int(b), epoch) for b in batches])

    def rows(self, batch):
        """The rows of batch ``batch``, (batch_size, D), on the host: as the model's own functions get them."""
        return self.vae.rows.host_rows(batch)

    def get_state(self):
        """The method's own state (arrays and JSON-serialisable values); none by default."""
        return {}

    def set_state(self, state):
        """Restore what ``get_state`` returned."""


class AEVB(TrainingMethod):
    """The paper's Auto-Encoding Variational Bayes: the model's own ``update`` and ``update_batches``
    (a compiled loop of many steps in one call)."""

    def train_step(self, batch, epoch):
        return self.vae.update(batch, epoch)

    def update(self, batch, epoch):
        return self.vae.update(batch, epoch)

    def update_batches(self, batches, epoch):
        return self.vae.update_batches(batches, epoch)
