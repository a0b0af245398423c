"""Numbers that describe a trained model on held-out data: the bound and log p(x).

Both are built from the model's own symbolic pieces (``encoder``, ``sampler``,
``decoder``), so they hold on every backend.
"""

import weakref

import numpy as np
import pytensor
import pytensor.tensor as pt
from tqdm import tqdm

from .hmc import PosteriorSampler, log_joint_function
from .validation import check_positive_int

_log_weight_functions = weakref.WeakKeyDictionary()  # vae -> its compiled log_weights


def lower_bound(vae, x, batch_size=1000):
    """The variational lower bound averaged over the rows of x (n, D), in nats per datapoint.

    Evaluated in chunks of ``batch_size`` rows (bounded memory), one fresh
    noise sample per row, as the original's ``likelihood``.
    """
    x = np.asarray(x)
    total = 0.0
    for start in range(0, len(x), batch_size):
        chunk = x[start:start + batch_size]
        total += float(vae.likelihood(chunk)) * len(chunk)
    return total / len(x)


def log_likelihood(vae, x, k=5000, batch_size=100, seed=0, return_stderr=False, progress=None):
    """Importance-sampled log p(x) per row, in nats: x (N, D) -> (N,).

    log p(x) ~= log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)
    (Burda et al. 2015; k=5000 is the usual protocol). The estimate is a
    lower bound in expectation that tightens as k grows; k=1 is the ELBO
    with the sampled, not analytic, KL term. Computed with a stable
    log-mean-exp, ``batch_size`` rows and at most ``max(1, 50000 //
    batch_size)`` samples at a time, so memory stays bounded.

    With ``return_stderr`` also returns the delta-method standard error of
    each estimate, std(w) / (sqrt(k) mean(w)) for the importance weights w.
    ``seed`` seeds the proposal draws (the model's own noise is untouched).
    """
    check_positive_int("k", k)
    check_positive_int("batch_size", batch_size)
    x = vae.check_x(x)
    if vae not in _log_weight_functions:
        _log_weight_functions[vae] = compile_log_weights(vae)
    log_weights = _log_weight_functions[vae]

    rng = np.random.default_rng(seed)
    per_call = max(1, 50_000 // batch_size)
    estimates, stderrs = np.empty(len(x)), np.empty(len(x))
    starts = range(0, len(x), batch_size)
    for start in tqdm(starts, desc=f"log p(x), k={k}", unit="batch", leave=False,
                      disable=(None if progress is None else not progress)):
        chunk = x[start:start + batch_size]
        log_w = np.concatenate([
            log_weights(chunk, rng.standard_normal((min(per_call, k - s), len(chunk), vae.n_latent))
                        .astype(vae.dtype))
            for s in range(0, k, per_call)]).astype(np.float64)  # (k, rows)
        estimates[start:start + len(chunk)] = log_mean_exp(log_w, axis=0)
        w = np.exp(log_w - log_w.max(axis=0))
        stderrs[start:start + len(chunk)] = w.std(axis=0) / (np.sqrt(k) * w.mean(axis=0))
    return (estimates, stderrs) if return_stderr else estimates


def hmc_marginal_likelihood(vae, x, n_samples=50, leapfrog_steps=4, seed=0, burn_in=100,
                            return_samples=False):
    """log p(x) per row in nats by the paper's estimator (appendix D): x (N, D) -> (N,).

    1. Sample the posterior p(z|x) ∝ p(x|z) p(z) by Hamiltonian Monte Carlo
       (``leapfrog_steps`` per transition; ``burn_in`` transitions that adapt
       each row's step size towards 90 % acceptance, started from the
       encoder's mean), keeping ``n_samples`` states.
    2. Fit a density q(z) to them: a Gaussian with their mean and covariance.
    3. Sample ``n_samples`` new states and return
       log p(x) ~= -log (1/L) sum_l q(z_l) / (p(z_l) p(x|z_l)).

    Needs only the decoder: it serves models trained without an encoder
    (MCEM) as well. ``seed`` seeds the chains; the model's noise is untouched.
    """
    check_positive_int("n_samples", n_samples)
    check_positive_int("leapfrog_steps", leapfrog_steps)
    x = vae.check_x(x)
    rng = np.random.default_rng(seed)
    chains = PosteriorSampler(vae, x, vae.encode_mean(x)[0], leapfrog_steps)
    for _ in range(burn_in):
        chains.step(rng)
    fit = []
    for _ in range(n_samples):
        chains.step(rng, adapt=False)
        fit.append(chains.z.astype(np.float64))
    fit = np.stack(fit)  # (L, N, k)
    mean = fit.mean(axis=0)
    centred = fit - mean
    cov = np.einsum("lni,lnj->nij", centred, centred) / max(n_samples - 1, 1)
    cov += 1e-6 * np.eye(vae.n_latent)  # a chain that never moved still gives a density
    chol = np.linalg.cholesky(cov)
    log_joint = log_joint_function(vae)
    log_ratios = []
    for _ in range(n_samples):
        chains.step(rng, adapt=False)
        z = chains.z.astype(np.float64)
        white = np.linalg.solve(chol, (z - mean)[..., None])[..., 0]
        log_q = (-0.5 * np.sum(white ** 2, axis=1) - np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
                 - 0.5 * vae.n_latent * np.log(2 * np.pi))
        log_ratios.append(log_q - np.asarray(log_joint(x, chains.z)[0], dtype=np.float64))
    estimate = -log_mean_exp(np.array(log_ratios), axis=0)
    return (estimate, fit) if return_samples else estimate


def compile_log_weights(vae):
    """f(x (B, D), eps (S, B, n_latent)) -> log p(x|z) + log p(z) - log q(z|x), (S, B)."""
    with pytensor.config.change_flags(floatX=vae.dtype):
        x, eps = pt.matrix("x"), pt.tensor3("eps")
        mu, log_sigma = vae.encoder(x)
        z = vae.sampler(mu, log_sigma, eps)  # (S, B, n_latent)
        # One decoder pass over all S * B rows. The shapes are written with -1
        # and input dimensions only, so that JAX can trace them.
        rows = pt.broadcast_to(x, (eps.shape[0], x.shape[0], vae.features)).reshape((-1, vae.features))
        _, logpxz = vae.decoder(rows, z.reshape((-1, vae.n_latent)))
        log_norm = -0.5 * np.log(2 * np.pi)
        logpz = (log_norm - 0.5 * z ** 2).sum(axis=2)
        logqz = (log_norm - 0.5 * log_sigma - 0.5 * eps ** 2).sum(axis=2)
        log_w = logpxz.reshape((eps.shape[0], -1)) + logpz - logqz
        return pytensor.function([x, eps], log_w, mode=vae.mode, name="log_weights")


def log_mean_exp(a, axis=None):
    """log(mean(exp(a))) without underflow or overflow: max + log(mean(exp(a - max)))."""
    a = np.asarray(a, dtype=np.float64)
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = np.log(np.mean(np.exp(a - top), axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis) if axis is not None else out.item()
