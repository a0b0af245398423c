"""Wake-sleep (Hinton, Dayan, Frey & Neal 1995) for the VAE's own encoder/decoder pair: the
paper's baseline in figures 2 and 3.

One step on a batch x (B, D), both phases from the parameters before the step:

- wake: z ~ q(z|x) from the recognition model (the encoder); the generative
  model (the decoder) ascends the mean of log p(x|z), z held fixed;
- sleep: a dream z' ~ p(z), x' ~ p(x|z') from the generative model; the
  recognition model ascends the mean of log q(z'|x'), x' held fixed.

With ``dream_after_wake`` the sleep phase dreams from the generative model
after the wake phase's update, as Kingma's code of the paper's time did
(anglepy's ``wzoptim.step_wakesleep``); still one compiled step, the dream's
graph taking the decoder's updated parameters.

Both use the model's optimiser (``VAE.get_updates``, Adam or the paper's
Adagrad) on their own parameters. The step returns the batch's variational
lower bound with the recognition model as q, before the step, exactly as
``VAE.update`` does for AEVB, so both methods' curves mean the same thing.
All noise comes from the model's generator, as ``update``'s does.
"""

import pytensor
import pytensor.tensor as pt
from pytensor.graph.replace import clone_replace

from ..formulas import gaussian_log_density
from ..runs.methods import TrainingMethod
from ..vae import ENCODER_PARAMS


class WakeSleep(TrainingMethod):
    """Train ``vae`` by wake-sleep instead of AEVB: ``update(batch, epoch)`` and
    ``update_batches(batches, epoch)`` as the model's, same batches, same state."""

    def __init__(self, vae, dream_after_wake=False):
        if vae.n_samples != 1:
            raise ValueError(f"wake-sleep draws one z per datapoint; the model has n_samples={vae.n_samples}")
        super().__init__(vae)
        self.dream_after_wake = bool(dream_after_wake)
        with pytensor.config.change_flags(floatX=vae.dtype):
            self._step = self.create_step()

    def create_step(self):
        """Compile step(x, eps, z_dream, dream_noise, epoch) -> the batch's bound before the step."""
        vae = self.vae
        x, epoch = pt.matrix("x"), pt.scalar("epoch")
        eps, z_dream, dream_noise = pt.matrix("eps"), pt.matrix("z_dream"), pt.matrix("dream_noise")
        bound = vae.lower_bound(x, eps)
        # wake: the decoder learns to explain x from the recognition model's z
        mu, log_sigma = vae.encoder(x)
        z = pytensor.gradient.disconnected_grad(vae.sampler(mu, log_sigma, eps))
        _, logpxz = vae.decoder(x, z)
        wake = pytensor.grad(logpxz.mean(), [vae.params[n] for n in vae.decoder_params])
        wake_updates = vae.get_updates(dict(zip(vae.decoder_params, wake)), epoch)
        # sleep: the encoder learns to recover the dream's z from the dream
        x_dream = self.dream(z_dream, dream_noise)
        if self.dream_after_wake:  # the dream from the decoder's parameters after the wake update
            x_dream = clone_replace(x_dream, {vae.params[n]: wake_updates[vae.params[n]]
                                               for n in vae.decoder_params})
        x_dream = pytensor.gradient.disconnected_grad(x_dream)
        mu_d, log_sigma_d = vae.encoder(x_dream)
        log_q = gaussian_log_density(z_dream, mu_d, log_sigma_d).sum(axis=1)
        sleep = pytensor.grad(log_q.mean(), [vae.params[n] for n in ENCODER_PARAMS])
        updates = {**wake_updates, **vae.get_updates(dict(zip(ENCODER_PARAMS, sleep)), epoch)}
        return pytensor.function([x, eps, z_dream, dream_noise, epoch], bound.logpx, updates=updates,
                                 mode=vae.mode, name="wake_sleep", on_unused_input="ignore")

    def dream(self, z, noise):
        """x ~ p(x|z) from noise: Bernoulli, noise ~ U(0, 1) and x = [noise < p]; Gaussian,
        noise ~ N(0, I) and x = mean + exp(log_var / 2) noise. z: (B, n_latent) -> (B, D)."""
        p = self.vae.decoder_distribution(z)
        if not self.vae.continuous:
            return pt.cast(pt.lt(noise, p.mean), self.vae.dtype)
        return p.mean + pt.exp(0.5 * p.log_var) * noise

    def train_step(self, batch, epoch):
        """One wake-sleep step on batch ``batch`` of the model's x_train; returns its bound."""
        vae = self.vae
        rows = self.rows(batch)
        generator = vae.srng.get_value(borrow=True)
        eps = vae.noise(vae.batch_size)
        z_dream = vae.noise(vae.batch_size)
        shape = (vae.batch_size, vae.features)
        noise = generator.random(shape) if not vae.continuous else generator.standard_normal(shape)
        return self._step(rows, eps, z_dream, noise.astype(vae.dtype), epoch)
