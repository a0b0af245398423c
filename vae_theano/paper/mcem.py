"""Monte Carlo EM with Hamiltonian Monte Carlo: the paper's baseline in figure 3.

No recognition model: for each datapoint a chain samples the posterior
p(z|x) ∝ p(x|z) p(z) of the current decoder by HMC; the decoder then ascends
the mean complete-data log-likelihood log p(x|z) of those samples. One step on
a batch, as in the paper: one HMC transition of ``leapfrog_steps`` (10)
leapfrog steps per datapoint, its step size adapted towards 90 % acceptance,
then ``weight_updates`` (5) optimiser steps of the decoder with the samples.

Each training datapoint keeps its own chain (its last z and step size), so
the E step continues where the last visit left it; ``get_state`` and
``set_state`` carry them for exact resumes.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt

from ..runs.methods import TrainingMethod
from ..validation import check_positive_int
from .hmc import PosteriorSampler


class MCEM(TrainingMethod):
    """Train ``vae``'s decoder by Monte Carlo EM; the encoder is not used.

    ``update(batch, epoch)`` returns the batch's mean log p(x|z) + log p(z) at
    the new samples, before the weight updates.
    """

    def __init__(self, vae, leapfrog_steps=10, weight_updates=5, target_acceptance=0.9, seed=0):
        check_positive_int("leapfrog_steps", leapfrog_steps)
        check_positive_int("weight_updates", weight_updates)
        super().__init__(vae)
        self.leapfrog_steps, self.weight_updates = int(leapfrog_steps), int(weight_updates)
        self.target_acceptance = target_acceptance
        self.rng = np.random.default_rng(seed)
        self.z = self.rng.standard_normal((vae.N, vae.n_latent)).astype(vae.dtype)  # chains start at the prior
        self.step_size = np.full(vae.N, 0.1)
        with pytensor.config.change_flags(floatX=vae.dtype):
            self._m_step = self.create_m_step()

    def create_m_step(self):
        """Compile m_step(x, z, epoch) -> mean log p(x|z), updating the decoder's parameters."""
        vae = self.vae
        x, z, epoch = pt.matrix("x"), pt.matrix("z"), pt.scalar("epoch")
        _, logpxz = vae.decoder(x, z)
        grads = pytensor.grad(logpxz.mean(), [vae.params[n] for n in vae.decoder_params])
        updates = vae.get_updates(dict(zip(vae.decoder_params, grads)), epoch)
        return pytensor.function([x, z, epoch], logpxz.mean(), updates=updates, mode=vae.mode,
                                 name="mcem_m_step", on_unused_input="ignore")

    def train_step(self, batch, epoch):
        """One HMC transition per datapoint of batch ``batch``, then the decoder's weight updates."""
        vae = self.vae
        rows = slice(batch * vae.batch_size, (batch + 1) * vae.batch_size)  # the batch's chains
        x = self.rows(batch)
        chains = PosteriorSampler(vae, x, self.z[rows], leapfrog_steps=self.leapfrog_steps,
                                  step_size=self.step_size[rows], target_acceptance=self.target_acceptance)
        chains.step(self.rng)
        self.z[rows], self.step_size[rows] = chains.z, chains.step_size
        log_joint = float(np.mean(chains.log_joint(x, chains.z)[0]))
        for _ in range(self.weight_updates):
            self._m_step(x, chains.z, epoch)
        return log_joint

    def get_state(self):
        """The chains (z, step sizes) and the sampler's generator state."""
        return dict(z=self.z.copy(), step_size=self.step_size.copy(), rng=self.rng.bit_generator.state)

    def set_state(self, state):
        z, step_size = np.asarray(state["z"]), np.asarray(state["step_size"])
        if z.shape != self.z.shape or step_size.shape != self.step_size.shape \
                or not (np.all(np.isfinite(z)) and np.all(step_size > 0)):
            raise ValueError(f"MCEM state: z must be finite {self.z.shape} and step sizes positive "
                             f"{self.step_size.shape}, got {z.shape} and {step_size.shape}")
        rng = np.random.default_rng()
        rng.bit_generator.state = state["rng"]
        self.z, self.step_size, self.rng = z.astype(self.vae.dtype), step_size.astype(float), rng
