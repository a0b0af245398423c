"""Hamiltonian Monte Carlo on a VAE's posterior p(z|x) ∝ p(x|z) p(z): one chain per row.

Used by the paper's Monte Carlo EM baseline (``mcem.py``) and its marginal
likelihood estimator (``marginal_likelihood.py``, appendix D). The
target and its gradient,

    log p(x|z) + log p(z)  and  d/dz of it,   x (n, D), z (n, n_latent) -> (n,), (n, n_latent),

are one compiled PyTensor function built from the model's own ``decoder``;
the leapfrog integration and the Metropolis test run on the host over all
rows at once, each row with its own step size, so that the step sizes can be
adapted towards a target acceptance rate (the paper's 90 %).
"""

import numpy as np
import pytensor
import pytensor.tensor as pt

from ..formulas import standard_normal_log_density


def log_joint_function(vae):
    """The compiled f(x, z) -> (log p(x|z) + log p(z), its gradient in z), kept with the
    model's other functions (``vae.compiled``)."""
    def build():
        x, z = pt.matrix("x"), pt.matrix("z")
        _, logpxz = vae.decoder(x, z)
        log_joint = logpxz + standard_normal_log_density(z).sum(axis=1)
        gradient = pytensor.grad(log_joint.sum(), z)  # rows are independent
        return pytensor.function([x, z], [log_joint, gradient], mode=vae.mode, name="log_joint")

    return vae.compiled("log_joint", build)


class PosteriorSampler:
    """HMC chains on p(z|x) for the rows of x, one per row, with adaptive step sizes.

    x: (n, D); z: (n, n_latent) the chains' states; step_size: (n,).
    ``step(rng, adapt=True)`` makes one transition of ``leapfrog_steps``
    leapfrog steps for every chain; with ``adapt`` each chain's log step size
    moves by ``adaptation_rate * (acceptance probability - target_acceptance)``.
    After a step, ``log_p`` (n,) is log p(x, z) at the chains' states (float64).
    """

    def __init__(self, vae, x, z, *, leapfrog_steps, step_size=0.1, target_acceptance=0.9,
                 adaptation_rate=0.2):
        self.log_joint = log_joint_function(vae)
        self.x = np.asarray(x, dtype=vae.dtype)
        self.z = np.array(z, dtype=vae.dtype)
        self.leapfrog_steps = int(leapfrog_steps)
        self.step_size = np.broadcast_to(np.asarray(step_size, dtype=np.float64), (len(self.z),)).copy()
        self.target_acceptance = target_acceptance
        self.adaptation_rate = adaptation_rate
        self.dtype = vae.dtype

    def step(self, rng, adapt=True):
        """One HMC transition of every chain; returns the rows' acceptance (n,) booleans."""
        momentum = rng.standard_normal(self.z.shape)
        uniform = rng.random(len(self.z))
        self.z, accepted, probability, self.log_p = transition(
            lambda z: self.log_joint(self.x, z.astype(self.dtype)), self.z, step_size=self.step_size,
            leapfrog_steps=self.leapfrog_steps, momentum=momentum, uniform=uniform)
        self.z = self.z.astype(self.dtype)
        if adapt:
            self.step_size *= np.exp(self.adaptation_rate * (probability - self.target_acceptance))
        return accepted


def transition(log_joint, z, *, step_size, leapfrog_steps, momentum, uniform):
    """One HMC transition per row of z (n, k) on log_joint(z) -> (log p (n,), gradient (n, k)).

    Leapfrog with per-row step sizes (n,), then the Metropolis test against
    uniform (n,). Returns (z', accepted (n,), min(1, acceptance ratio) (n,),
    log_joint at z' (n,): the trajectory already computed it).
    """
    h = step_size[:, None]
    log_p0, gradient = (np.asarray(a, dtype=np.float64) for a in log_joint(z))
    p = momentum + 0.5 * h * gradient
    z_new = np.asarray(z, dtype=np.float64)
    for i in range(leapfrog_steps):
        z_new = z_new + h * p
        log_p, gradient = (np.asarray(a, dtype=np.float64) for a in log_joint(z_new))
        p = p + (h if i < leapfrog_steps - 1 else 0.5 * h) * gradient
    log_ratio = (log_p - 0.5 * np.sum(p ** 2, axis=1)) - (log_p0 - 0.5 * np.sum(momentum ** 2, axis=1))
    log_ratio = np.where(np.isfinite(log_ratio), log_ratio, -np.inf)  # a diverged trajectory is rejected
    accepted = np.log(uniform) < log_ratio
    return (np.where(accepted[:, None], z_new, z), accepted, np.exp(np.minimum(log_ratio, 0.0)),
            np.where(accepted, log_p, log_p0))
