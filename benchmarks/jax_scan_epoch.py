"""The JAX baseline: the Bernoulli VAE's training epoch hand-written in JAX, one ``lax.scan``.

Same model and step as ``VAE.update`` (ReLU MLPs, x a - softplus(a), the
analytic KL term, the original's Adam with epoch bias correction and L2 on
weights), written as a JAX user would: the parameters and Adam moments a
pytree, ``jax.value_and_grad`` of the batch bound, and the whole epoch one
jitted ``lax.scan`` over the batches, so the data and state stay on the
device for the epoch. ``tests/test_benchmark_baseline.py`` checks it against
the model.
"""

import numpy as np


def make_epoch(batch_size, N, b1=0.95, b2=0.999, learning_rate=0.001, lam=0.0, epsilon=1e-8):
    """epoch(state, x_batches (S, B, D), eps (S, B, n_latent), epoch) -> (state, bounds (S,)),
    jitted; state = (params, m, v), dicts of arrays in the model's layout."""
    import jax
    import jax.numpy as jnp

    def bound(p, x, eps):
        h = jax.nn.relu(x @ p["W_xh"] + p["b_xh"])
        mu = h @ p["W_hmu"] + p["b_hmu"]
        log_sigma = h @ p["W_hsigma"] + p["b_hsigma"]
        z = mu + jnp.exp(0.5 * log_sigma) * eps
        hd = jax.nn.relu(z @ p["W_zh"] + p["b_zh"])
        a = hd @ p["W_hx"] + p["b_hx"]
        logpxz = jnp.sum(x * a - jax.nn.softplus(a), axis=1)
        kld = 0.5 * jnp.sum(1 + log_sigma - mu ** 2 - jnp.exp(log_sigma), axis=1)
        return jnp.mean(logpxz + kld)

    value_and_grad = jax.value_and_grad(bound)

    def step(carry, inputs):
        (p, m, v), gamma = carry
        x, eps = inputs
        value, g = value_and_grad(p, x, eps)
        new_p, new_m, new_v = {}, {}, {}
        for name in p:
            new_m[name] = b1 * m[name] + (1 - b1) * g[name]
            new_v[name] = b2 * v[name] + (1 - b2) * g[name] ** 2
            decay = learning_rate * lam * batch_size / N if "W" in name else 0.0
            new_p[name] = (p[name] + learning_rate * gamma * new_m[name] / (jnp.sqrt(new_v[name]) + epsilon)
                           - decay * p[name])
        return ((new_p, new_m, new_v), gamma), value

    @jax.jit
    def epoch(state, x_batches, eps, number):
        gamma = jnp.sqrt(1 - b2 ** number) / (1 - b1 ** number)
        (state, _), bounds = jax.lax.scan(step, (state, gamma.astype(x_batches.dtype)), (x_batches, eps))
        return state, bounds

    return epoch


def initial_state(params):
    """(params, m, v) with zero moments, as JAX arrays."""
    import jax.numpy as jnp

    p = {k: jnp.asarray(v) for k, v in params.items()}
    zeros = {k: jnp.zeros_like(v) for k, v in p.items()}
    return p, zeros, dict(zeros)


def batches(x, order, batch_size):
    """x's rows for the batch indices ``order``: (len(order), batch_size, D)."""
    index = np.asarray(order)[:, None] * batch_size + np.arange(batch_size)
    return x[index]
