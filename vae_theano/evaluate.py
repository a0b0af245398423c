"""Numbers that describe a trained model on held-out data: the mean bound and log p(x).

Both are built from the model's own symbolic pieces (``encoder``, ``sampler``,
``decoder``), so they hold on every backend. This module takes the model as
an argument and imports nothing of it (``VAE.log_likelihood`` calls it); the
paper's own estimator of log p(x), by HMC (appendix D), is
``vae_theano.paper.marginal_likelihood``.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
from tqdm import tqdm

from .formulas import sampled_kld
from .validation import check_positive_int


def mean_lower_bound(vae, x, chunk_size=1000):
    """The variational lower bound averaged over the rows of x (n, D), in nats per datapoint.

    Evaluated in chunks of ``chunk_size`` rows (bounded memory), one fresh
    noise sample per row, as the original's ``likelihood``.
    """
    x = np.asarray(x)
    total = 0.0
    for start in range(0, len(x), chunk_size):
        chunk = x[start:start + chunk_size]
        total += float(vae.likelihood(chunk)) * len(chunk)
    return total / len(x)


def log_likelihood(vae, x, k=5000, chunk_size=100, seed=0, return_stderr=False, progress=None):
    """Importance-sampled log p(x) per row, in nats: x (N, D) -> (N,).

    log p(x) ~= log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)
    (Burda et al. 2015; k=5000 is the usual protocol). The estimate is a
    lower bound in expectation that tightens as k grows; k=1 is the ELBO
    with the sampled, not analytic, KL term. Computed with a stable
    log-mean-exp, ``chunk_size`` rows and at most ``max(1, 50000 //
    chunk_size)`` samples at a time, so memory stays bounded.

    With ``return_stderr`` also returns the delta-method standard error of
    each estimate, std(w) / (sqrt(k) mean(w)) for the importance weights w.
    ``seed`` seeds the proposal draws (the model's own noise is untouched).
    """
    check_positive_int("k", k)
    check_positive_int("chunk_size", chunk_size)
    x = vae.check_x(x)
    log_weights = vae.compiled("log_weights", lambda: compile_log_weights(vae))

    rng = np.random.default_rng(seed)
    per_call = max(1, 50_000 // chunk_size)
    estimates, stderrs = np.empty(len(x)), np.empty(len(x))
    starts = range(0, len(x), chunk_size)
    for start in tqdm(starts, desc=f"log p(x), k={k}", unit="batch", leave=False,
                      disable=(None if progress is None else not progress)):
        chunk = x[start:start + chunk_size]
        log_w = np.concatenate([
            log_weights(chunk, rng.standard_normal((min(per_call, k - s), len(chunk), vae.n_latent))
                        .astype(vae.dtype))
            for s in range(0, k, per_call)]).astype(np.float64)  # (k, rows)
        estimates[start:start + len(chunk)] = log_mean_exp(log_w, axis=0)
        w = np.exp(log_w - log_w.max(axis=0))
        stderrs[start:start + len(chunk)] = w.std(axis=0) / (np.sqrt(k) * w.mean(axis=0))
    return (estimates, stderrs) if return_stderr else estimates


def compile_log_weights(vae):
    """f(x (B, D), eps (S, B, n_latent)) -> log p(x|z) + log p(z) - log q(z|x), (S, B); built
    by ``vae.compiled``, which sets the model's floatX."""
    x, eps = pt.matrix("x"), pt.tensor3("eps")
    mu, log_sigma = vae.encoder(x)
    z = vae.sampler(mu, log_sigma, eps)  # (S, B, n_latent)
    # One decoder pass over all S * B rows. The shapes are written with -1
    # and input dimensions only, so that JAX can trace them.
    rows = pt.broadcast_to(x, (eps.shape[0], x.shape[0], vae.features)).reshape((-1, vae.features))
    _, logpxz = vae.decoder(rows, z.reshape((-1, vae.n_latent)))
    log_w = logpxz.reshape((eps.shape[0], -1)) + sampled_kld(z, eps, log_sigma)  # + log p(z) - log q(z|x)
    return pytensor.function([x, eps], log_w, mode=vae.mode, name="log_weights")


def log_mean_exp(a, axis=None):
    """log(mean(exp(a))) without underflow or overflow: max + log(mean(exp(a - max)))."""
    a = np.asarray(a, dtype=np.float64)
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = np.log(np.mean(np.exp(a - top), axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis) if axis is not None else out.item()
