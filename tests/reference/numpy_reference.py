"""The same VAE written in plain NumPy, with hand-derived gradients.

It shares no code with ``vae.py``: it is the referee the tests hold the
PyTensor model against (and which they hold against the original Theano
outputs), and the baseline the benchmarks time it against.

Shapes: x (B, D), eps (B, n_latent); weights (fan_in, fan_out), biases (fan_out,).
Everything is computed in the dtype of the arrays given.
"""

import numpy as np

ADAM_EPSILON = 1e-8


def param_shapes(continuous, features, hu_encoder, hu_decoder, n_latent):
    """Parameter names and shapes in the original's order."""
    shapes = [("W_xh", (features, hu_encoder)), ("b_xh", (hu_encoder,)),
              ("W_hmu", (hu_encoder, n_latent)), ("b_hmu", (n_latent,)),
              ("W_hsigma", (hu_encoder, n_latent)), ("b_hsigma", (n_latent,)),
              ("W_zh", (n_latent, hu_decoder)), ("b_zh", (hu_decoder,))]
    if continuous:
        shapes += [("W_hxmu", (hu_decoder, features)), ("b_hxmu", (features,)),
                   ("W_hxsigma", (hu_decoder, features)), ("b_hxsigma", (features,))]
    else:
        shapes += [("W_hx", (hu_decoder, features)), ("b_hx", (features,))]
    return shapes


def init_params(continuous, features, hu_encoder, hu_decoder, n_latent, seed=42, dtype="float64"):
    """Weights ~ N(0, 0.01^2) from one RandomState(seed) stream in parameter order; biases 0."""
    prng = np.random.RandomState(seed)
    params = {}
    for name, shape in param_shapes(continuous, features, hu_encoder, hu_decoder, n_latent):
        if name.startswith("W"):
            params[name] = prng.normal(0, 0.01, shape).astype(dtype)
        else:
            params[name] = np.zeros(shape, dtype=dtype)
    return params


def softplus(a):
    """log(1 + exp(a)) without overflow."""
    return np.logaddexp(0, a)


def sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def activate(a, activation):
    """The hidden units' nonlinearity and its derivative: (h, dh/da)."""
    if activation == "tanh":
        h = np.tanh(a)
        return h, 1 - h ** 2
    if activation == "softplus":
        return softplus(a), sigmoid(a)
    return np.where(a < 0, 0, a), (a >= 0).astype(a.dtype)  # relu'(0) = 1, as switch(x < 0, 0, x) gives


def forward_backward(params, x, eps, activation="relu", bounded_mean=False, kl="analytic"):
    """The bound for a batch and its gradient with respect to every parameter.

    ``activation``: "relu" (the original), "tanh" (the paper) or "softplus"; ``bounded_mean``:
    the Gaussian decoder's mean is sigmoid(h W_hxmu + b_hxmu) (the paper's Frey
    Face model) instead of linear; ``kl``: "analytic" (the original), or "sampled",
    KLD = log N(z; 0, I) - log N(z; mu, var) at z (the paper's estimator A). Returns a dict with mu, log_sigma, z,
    reconstructed_x (B, ...), logpxz and KLD (B,), logpx (the batch mean of
    logpxz + KLD) and grads {name: dlogpx/dname}.
    """
    p = params
    B = x.shape[0]
    dtype = x.dtype
    continuous = "W_hxmu" in p

    a_enc = x @ p["W_xh"] + p["b_xh"]
    h_enc, dh_enc = activate(a_enc, activation)
    mu = h_enc @ p["W_hmu"] + p["b_hmu"]
    log_sigma = h_enc @ p["W_hsigma"] + p["b_hsigma"]
    std = np.exp(0.5 * log_sigma)
    z = mu + std * eps
    a_dec = z @ p["W_zh"] + p["b_zh"]
    h_dec, dh_dec = activate(a_dec, activation)
    if continuous:
        a_mu = h_dec @ p["W_hxmu"] + p["b_hxmu"]
        x_mu = sigmoid(a_mu) if bounded_mean else a_mu
        x_log_var = h_dec @ p["W_hxsigma"] + p["b_hxsigma"]
        inv_var = np.exp(-x_log_var)
        diff = x - x_mu
        logpxz = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * x_log_var - 0.5 * diff ** 2 * inv_var, axis=1)
        reconstructed_x = x_mu
    else:
        logits = h_dec @ p["W_hx"] + p["b_hx"]
        logpxz = np.sum(x * logits - softplus(logits), axis=1)
        reconstructed_x = sigmoid(logits)
    var = np.exp(log_sigma)
    if kl == "analytic":
        KLD = 0.5 * np.sum(1 + log_sigma - mu ** 2 - var, axis=1)
    else:  # the two log densities written out, each with its 2 pi
        log_prior = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * z ** 2, axis=1)
        log_q = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * log_sigma - 0.5 * (z - mu) ** 2 / var, axis=1)
        KLD = log_prior - log_q
    logpx = np.mean(logpxz + KLD)

    # Backward: every row's bound enters the mean with weight 1/B.
    g = {}
    w = dtype.type(1.0 / B)
    if continuous:
        d_x_mu = w * diff * inv_var
        if bounded_mean:
            d_x_mu = d_x_mu * x_mu * (1 - x_mu)
        d_x_log_var = w * (0.5 * diff ** 2 * inv_var - 0.5)
        g["W_hxmu"], g["b_hxmu"] = h_dec.T @ d_x_mu, d_x_mu.sum(0)
        g["W_hxsigma"], g["b_hxsigma"] = h_dec.T @ d_x_log_var, d_x_log_var.sum(0)
        d_h_dec = d_x_mu @ p["W_hxmu"].T + d_x_log_var @ p["W_hxsigma"].T
    else:
        d_logits = w * (x - reconstructed_x)
        g["W_hx"], g["b_hx"] = h_dec.T @ d_logits, d_logits.sum(0)
        d_h_dec = d_logits @ p["W_hx"].T
    d_a_dec = d_h_dec * dh_dec
    g["W_zh"], g["b_zh"] = z.T @ d_a_dec, d_a_dec.sum(0)
    d_z = d_a_dec @ p["W_zh"].T
    if kl == "analytic":
        d_mu = d_z - w * mu
        d_log_sigma = d_z * eps * 0.5 * std + w * 0.5 * (1 - var)
    else:  # log N(z; 0, I) pulls on z (-z, through mu and std eps); -log q is 1/2 log_sigma + const in eps
        d_z = d_z - w * z
        d_mu = d_z
        d_log_sigma = d_z * eps * 0.5 * std + w * 0.5
    g["W_hmu"], g["b_hmu"] = h_enc.T @ d_mu, d_mu.sum(0)
    g["W_hsigma"], g["b_hsigma"] = h_enc.T @ d_log_sigma, d_log_sigma.sum(0)
    d_h_enc = d_mu @ p["W_hmu"].T + d_log_sigma @ p["W_hsigma"].T
    d_a_enc = d_h_enc * dh_enc
    g["W_xh"], g["b_xh"] = x.T @ d_a_enc, d_a_enc.sum(0)

    return dict(mu=mu, log_sigma=log_sigma, z=z, reconstructed_x=reconstructed_x,
                logpxz=logpxz, KLD=KLD, logpx=logpx, grads={k: g[k] for k in p})


def decode(params, z, activation="relu", bounded_mean=False):
    """Decoder means for z (n, n_latent): Bernoulli probabilities or Gaussian means."""
    h, _ = activate(z @ params["W_zh"] + params["b_zh"], activation)
    if "W_hxmu" in params:
        a = h @ params["W_hxmu"] + params["b_hxmu"]
        return sigmoid(a) if bounded_mean else a
    return sigmoid(h @ params["W_hx"] + params["b_hx"])


def adam_step(params, m, v, grads, epoch, b1=0.95, b2=0.999, learning_rate=0.001,
              lam=0.0, batch_size=100, N=None):
    """The original's Adam ascent step, returning new (params, m, v) dicts (of the
    parameters in ``grads``; the others are returned unchanged).

    m' = b1 m + (1-b1) g;  v' = b2 v + (1-b2) g^2;
    theta' = theta + lr * sqrt(1-b2^epoch)/(1-b1^epoch) * m' / (sqrt(v') + 1e-8)
             - [name has W] lr * lam * (batch_size/N) * theta
    """
    gamma = np.sqrt(1 - b2 ** epoch) / (1 - b1 ** epoch)
    new_params, new_m, new_v = dict(params), dict(m), dict(v)  # parameters without a gradient stay
    for name, theta in params.items():
        if name not in grads:
            continue
        g = grads[name]
        new_m[name] = b1 * m[name] + (1 - b1) * g
        new_v[name] = b2 * v[name] + (1 - b2) * g ** 2
        step = learning_rate * gamma * new_m[name] / (np.sqrt(new_v[name]) + ADAM_EPSILON)
        new = theta + step
        if "W" in name:
            new = new - learning_rate * lam * (theta * (batch_size / N))
        new_params[name] = new.astype(theta.dtype)
    return new_params, new_m, new_v


def adagrad_step(params, v, grads, learning_rate=0.01, lam=0.0, N=None):
    """Adagrad's ascent step on the bound plus (lam / N) log N(W; 0, I), returning new
    (params, v) dicts (of the parameters in ``grads``; the others unchanged).

    g' = g - [name has W] (lam / N) theta;  v' = v + g'^2;  theta' = theta + lr * g' / (sqrt(v') + 1e-8)
    """
    new_params, new_v = dict(params), dict(v)
    for name, theta in params.items():
        if name not in grads:
            continue
        g = grads[name] - (lam / N * theta if "W" in name else 0.0)
        new_v[name] = v[name] + g ** 2
        new_params[name] = (theta + learning_rate * g / (np.sqrt(new_v[name]) + ADAM_EPSILON)).astype(theta.dtype)
    return new_params, new_v


def _decoder(params, z, activation, bounded_mean):
    """Decoder pre-activations and outputs for z: (a_dec, h_dec, dh_dec, outputs dict)."""
    p = params
    a_dec = z @ p["W_zh"] + p["b_zh"]
    h_dec, dh_dec = activate(a_dec, activation)
    if "W_hxmu" in p:
        a_mu = h_dec @ p["W_hxmu"] + p["b_hxmu"]
        out = dict(mean=sigmoid(a_mu) if bounded_mean else a_mu,
                   log_var=h_dec @ p["W_hxsigma"] + p["b_hxsigma"])
    else:
        out = dict(logits=h_dec @ p["W_hx"] + p["b_hx"])
    return a_dec, h_dec, dh_dec, out


def log_joint(params, x, z, activation="relu", bounded_mean=False):
    """log p(x|z) + log p(z) per row, and its gradient in z: ((n,), (n, n_latent)).

    The target of Hamiltonian Monte Carlo on the posterior p(z|x) (MCEM and the
    paper's marginal likelihood estimator, appendix D).
    """
    p = params
    _, h_dec, dh_dec, out = _decoder(p, z, activation, bounded_mean)
    if "W_hxmu" in p:
        diff, inv_var = x - out["mean"], np.exp(-out["log_var"])
        logpxz = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * out["log_var"] - 0.5 * diff ** 2 * inv_var, axis=1)
        d_mean = diff * inv_var
        if bounded_mean:
            d_mean = d_mean * out["mean"] * (1 - out["mean"])
        d_h = d_mean @ p["W_hxmu"].T + (0.5 * diff ** 2 * inv_var - 0.5) @ p["W_hxsigma"].T
    else:
        logits = out["logits"]
        logpxz = np.sum(x * logits - softplus(logits), axis=1)
        d_h = (x - sigmoid(logits)) @ p["W_hx"].T
    d_z = (d_h * dh_dec) @ p["W_zh"].T
    logpz = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * z ** 2, axis=1)
    return logpxz + logpz, d_z - z


def dream(params, z, noise, activation="relu", bounded_mean=False):
    """x ~ p(x|z) from the given noise: Bernoulli, noise ~ U(0, 1) and x = [noise < p];
    Gaussian, noise ~ N(0, I) and x = mean + exp(log_var / 2) noise."""
    _, _, _, out = _decoder(params, z, activation, bounded_mean)
    if "logits" in out:
        return (noise < sigmoid(out["logits"])).astype(z.dtype)
    return out["mean"] + np.exp(0.5 * out["log_var"]) * noise


def recognition_grads(params, x, z, activation="relu"):
    """The mean over rows of log q(z|x), and its gradient in the encoder's parameters
    (W_xh, b_xh, W_hmu, b_hmu, W_hsigma, b_hsigma): the sleep phase of wake-sleep."""
    p = params
    B = x.shape[0]
    a_enc = x @ p["W_xh"] + p["b_xh"]
    h, dh = activate(a_enc, activation)
    mu = h @ p["W_hmu"] + p["b_hmu"]
    log_sigma = h @ p["W_hsigma"] + p["b_hsigma"]
    inv_var = np.exp(-log_sigma)
    log_q = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * log_sigma - 0.5 * (z - mu) ** 2 * inv_var, axis=1)
    d_mu = (z - mu) * inv_var / B
    d_log_sigma = (0.5 * (z - mu) ** 2 * inv_var - 0.5) / B
    g = {"W_hmu": h.T @ d_mu, "b_hmu": d_mu.sum(0), "W_hsigma": h.T @ d_log_sigma,
         "b_hsigma": d_log_sigma.sum(0)}
    d_a = (d_mu @ p["W_hmu"].T + d_log_sigma @ p["W_hsigma"].T) * dh
    g["W_xh"], g["b_xh"] = x.T @ d_a, d_a.sum(0)
    return log_q.mean(), g


def decoder_grads(params, x, z, activation="relu", bounded_mean=False):
    """The mean over rows of log p(x|z), and its gradient in the decoder's parameters
    with z fixed: the wake phase of wake-sleep and the M step of MCEM."""
    p = params
    B = x.shape[0]
    _, h_dec, dh_dec, out = _decoder(p, z, activation, bounded_mean)
    g = {}
    if "W_hxmu" in p:
        diff, inv_var = x - out["mean"], np.exp(-out["log_var"])
        logpxz = np.sum(-0.5 * np.log(2 * np.pi) - 0.5 * out["log_var"] - 0.5 * diff ** 2 * inv_var, axis=1)
        d_mean = diff * inv_var / B
        if bounded_mean:
            d_mean = d_mean * out["mean"] * (1 - out["mean"])
        d_log_var = (0.5 * diff ** 2 * inv_var - 0.5) / B
        g["W_hxmu"], g["b_hxmu"] = h_dec.T @ d_mean, d_mean.sum(0)
        g["W_hxsigma"], g["b_hxsigma"] = h_dec.T @ d_log_var, d_log_var.sum(0)
        d_h = d_mean @ p["W_hxmu"].T + d_log_var @ p["W_hxsigma"].T
    else:
        logits = out["logits"]
        logpxz = np.sum(x * logits - softplus(logits), axis=1)
        d_logits = (x - sigmoid(logits)) / B
        g["W_hx"], g["b_hx"] = h_dec.T @ d_logits, d_logits.sum(0)
        d_h = d_logits @ p["W_hx"].T
    d_a = d_h * dh_dec
    g["W_zh"], g["b_zh"] = z.T @ d_a, d_a.sum(0)
    return logpxz.mean(), g

