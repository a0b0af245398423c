"""The Variational Auto-Encoder of Kingma & Welling (2013), as the original Theano code.

The model, in the paper's notation, for a datapoint x with D features:

    encoder  q(z|x) = N(mu(x), diag(exp(log_sigma(x))))     z: n_latent values
             h = relu(x W_xh + b_xh),  mu = h W_hmu + b_hmu,  log_sigma = h W_hsigma + b_hsigma
    sampler  z = mu + exp(log_sigma / 2) * eps,  eps ~ N(0, I)   (reparameterisation)
    decoder  h = relu(z W_zh + b_zh), then either
             Bernoulli: p(x|z) = prod_d r_d^x_d (1 - r_d)^(1 - x_d),  r = sigmoid(h W_hx + b_hx)
             Gaussian:  p(x|z) = N(x; h W_hxmu + b_hxmu, diag(exp(h W_hxsigma + b_hxsigma)))
    bound    L(x) = log p(x|z) + KLD,  KLD = 1/2 sum_j (1 + log_sigma_j - mu_j^2 - exp(log_sigma_j))
             (KLD is -KL(q(z|x) || N(0, I)), appendix B of the paper; L <= log p(x), in nats)

``log_sigma`` is a log *variance*, as in the original. Training maximises the
batch mean of L with the original's Adam (see ``get_adam_updates``).

Names and order of everything (parameters, methods, compiled functions) follow
the original ``VAE.py`` so that the paper, the old code and this one map onto
each other line by line.
"""

import os
import warnings
from collections import OrderedDict, namedtuple

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.traversal import ancestors
from pytensor.tensor.random.op import RandomVariable

from . import safe_pickle
from .atomic import atomic_write
from .backend import resolve_mode, runs_c_ops, slices_on_host
from .ops import AdamStep, BernoulliLogLik

epsilon = 1e-8  # Adam's denominator guard, as in the original
sigma_init = 0.01  # standard deviation of the initial weights

PARAMS_FILE = "params.npz"
LEGACY_FILES = ("params.pkl", "m.pkl", "v.pkl")

Bound = namedtuple("Bound", "logpx mu log_sigma z reconstructed_x logpxz KLD")
Bound.__doc__ = """The symbolic pieces of the variational lower bound for a batch x: (batch, D).

logpx: () batch mean of logpxz + KLD; mu, log_sigma, z: (batch, n_latent);
reconstructed_x: (batch, D) decoder means; logpxz, KLD: (batch,).
"""


def relu(x):
    """max(x, 0), written as the original did: x where x >= 0, so relu'(0) = 1."""
    return pt.switch(x < 0, 0, x)


class VAE:
    """This class implements the Variational Auto Encoder.

    Parameters (the original's, with its defaults)
    ----------
    continuous : bool
        True for a Gaussian decoder (real-valued data such as Frey Face),
        False for a Bernoulli decoder (data in [0, 1] such as MNIST).
    hu_encoder, hu_decoder : int
        Hidden units of the encoder and decoder MLPs.
    n_latent : int
        Dimension of z.
    x_train : array (N, features)
        Training data; kept on the device as the shared variable ``x_train``.
    b1, b2, learning_rate : float
        Adam's settings (b1 is the original's 0.95, not Kingma & Ba's 0.9).
    batch_size : int
        Rows per ``update``. Batch k is rows k*batch_size ... (k+1)*batch_size - 1;
        when N is not a multiple of batch_size the last N % batch_size rows are
        never visited by ``update``, as in the original (a warning says so).
    lam : float
        Weight of the L2 ("MAP") penalty on parameters whose name contains W.

    Additions (keyword only; the defaults reproduce the original)
    ---------
    mode : str or pytensor Mode, optional
        How the functions compile: C ("CVM", the default), or another PyTensor
        backend ("NUMBA", "JAX", ...).
    dtype : "float32" or "float64", optional
        Precision of every variable (default ``pytensor.config.floatX``).
    seed : int
        Seeds the weights (``np.random.RandomState(seed)``) and the sampler's
        noise; the original fixed both at 42.
    bias_correction : "epoch" or "step"
        Adam's bias correction from the ``epoch`` argument (the original), or
        from a count of update steps kept in the shared variable ``t``
        (Adam as published by Kingma & Ba).
    n_samples : int
        L, the noise samples per datapoint in the training bound (the
        original's 1); log p(x|z) is averaged over them.
    """

    def __init__(self, continuous, hu_encoder, hu_decoder, n_latent, x_train,
                 b1=0.95, b2=0.999, batch_size=100, learning_rate=0.001, lam=0,
                 *, mode=None, dtype=None, seed=42, bias_correction="epoch", n_samples=1):
        dtype = np.dtype(dtype or pytensor.config.floatX).name
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        for name, value in [("hu_encoder", hu_encoder), ("hu_decoder", hu_decoder),
                            ("n_latent", n_latent), ("batch_size", batch_size), ("n_samples", n_samples)]:
            _check_positive_int(name, value)
        for name, value in [("b1", b1), ("b2", b2)]:
            if not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {value!r}")
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
        if not lam >= 0:
            raise ValueError(f"lam must be non-negative, got {lam!r}")
        if bias_correction not in ("epoch", "step"):
            raise ValueError(f"bias_correction must be 'epoch' or 'step', got {bias_correction!r}")
        x_train = _check_data(x_train, "x_train", bool(continuous))
        if x_train.shape[0] < batch_size:
            raise ValueError(f"x_train has {x_train.shape[0]} rows, fewer than "
                             f"batch_size={batch_size}: update() would have no batch")

        self.continuous = bool(continuous)
        self.hu_encoder = int(hu_encoder)
        self.hu_decoder = int(hu_decoder)
        self.n_latent = int(n_latent)
        [self.N, self.features] = x_train.shape
        self.prng = np.random.RandomState(seed)
        self.b1 = b1
        self.b2 = b2
        self.learning_rate = learning_rate
        self.lam = lam
        self.batch_size = int(batch_size)
        self.n_batches = self.N // self.batch_size
        self.dtype = dtype
        self.mode = resolve_mode(mode)
        self.bias_correction = bias_correction
        self.n_samples = int(n_samples)
        if self.N % self.batch_size:
            warnings.warn(f"N={self.N} is not a multiple of batch_size={self.batch_size}: "
                          f"update() uses {self.n_batches} batches and never visits the "
                          f"last {self.N % self.batch_size} rows (as the original did)",
                          stacklevel=2)

        def create_weight(dim_input, dim_output):
            return self.prng.normal(0, sigma_init, (dim_input, dim_output)).astype(dtype)

        def create_bias(dim_output):
            return np.zeros(dim_output, dtype=dtype)

        sizes = OrderedDict([
            ("W_xh", (self.features, hu_encoder)), ("b_xh", hu_encoder),
            ("W_hmu", (hu_encoder, n_latent)), ("b_hmu", n_latent),
            ("W_hsigma", (hu_encoder, n_latent)), ("b_hsigma", n_latent),
            ("W_zh", (n_latent, hu_decoder)), ("b_zh", hu_decoder),
        ])
        if self.continuous:
            sizes.update([("W_hxmu", (hu_decoder, self.features)), ("b_hxmu", self.features),
                          ("W_hxsigma", (hu_decoder, self.features)), ("b_hxsigma", self.features)])
        else:
            sizes.update([("W_hx", (hu_decoder, self.features)), ("b_hx", self.features)])
        # One RandomState stream, drawn in this order: the original's weights.
        self.params = OrderedDict(
            (name, pytensor.shared(create_weight(*size) if name.startswith("W") else create_bias(size),
                                   name=name))
            for name, size in sizes.items())

        # Adam's first and second moments, zero at the start.
        self.m = OrderedDict((key, pytensor.shared(np.zeros_like(value.get_value()), name="m_" + key))
                             for key, value in self.params.items())
        self.v = OrderedDict((key, pytensor.shared(np.zeros_like(value.get_value()), name="v_" + key))
                             for key, value in self.params.items())

        # Adam's step counter (used by bias_correction="step").
        self.t = pytensor.shared(np.asarray(0.0, dtype=dtype), name="t")

        # The sampler's noise generator; its state advances with every call.
        self.srng = pt.random.shared_rng(seed=seed, name="srng")
        self.x_train = pytensor.shared(x_train.astype(dtype), name="x_train")

        self._encode_mean = self._log_weights = None  # compiled on first use
        with pytensor.config.change_flags(floatX=dtype):
            (self._update, self._likelihood,
             self._encode, self._decode) = self.create_gradientfunctions(self.x_train)

    # -- the symbolic model ------------------------------------------------

    def encoder(self, x):
        """q(z|x): x (batch, D) -> mu, log_sigma (batch, n_latent), log_sigma a log variance."""
        h_encoder = relu(pt.dot(x, self.params["W_xh"]) + self.params["b_xh"].dimshuffle("x", 0))
        mu = pt.dot(h_encoder, self.params["W_hmu"]) + self.params["b_hmu"].dimshuffle("x", 0)
        log_sigma = pt.dot(h_encoder, self.params["W_hsigma"]) + self.params["b_hsigma"].dimshuffle("x", 0)
        return mu, log_sigma

    def sampler(self, mu, log_sigma, eps=None):
        """z = mu + exp(log_sigma / 2) * eps, shapes (batch, n_latent).

        eps ~ N(0, I) is drawn from the shared generator ``srng`` unless given
        (the reference tests feed it). A function that computes z must apply
        ``rng_updates(outputs)`` so that each call draws fresh noise.
        """
        if eps is None:
            eps = self.draw_eps(mu.shape)
        return mu + pt.exp(0.5 * log_sigma) * eps

    def draw_eps(self, size):
        """Standard normal noise of shape ``size`` from srng.

        Each compiled function draws once from srng and stores srng's next
        state through its updates (``rng_updates``).
        """
        _, eps = pt.random.normal(0, 1, size=size, rng=self.srng, return_next_rng=True)
        return eps

    def decoder(self, x, z):
        """p(x|z): z (batch, n_latent) -> reconstructed_x (batch, D), logpxz (batch,).

        reconstructed_x is the decoder's mean (Bernoulli probabilities or the
        Gaussian mean); logpxz = log p(x|z) summed over features, in nats.
        The Bernoulli term is computed from the logits a: x log sigmoid(a) +
        (1 - x) log(1 - sigmoid(a)) = x a - softplus(a), finite even where the
        sigmoid saturates to 0 or 1 (the original's binary_crossentropy of the
        sigmoid was not).
        """
        h_decoder = relu(pt.dot(z, self.params["W_zh"]) + self.params["b_zh"].dimshuffle("x", 0))
        if self.continuous:
            reconstructed_x = pt.dot(h_decoder, self.params["W_hxmu"]) + self.params["b_hxmu"].dimshuffle("x", 0)
            log_sigma_decoder = pt.dot(h_decoder, self.params["W_hxsigma"]) + self.params["b_hxsigma"]
            logpxz = None if x is None else (
                -(0.5 * np.log(2 * np.pi) + 0.5 * log_sigma_decoder)
                - 0.5 * ((x - reconstructed_x) ** 2 / pt.exp(log_sigma_decoder))).sum(axis=1)
        else:
            logits = pt.dot(h_decoder, self.params["W_hx"]) + self.params["b_hx"].dimshuffle("x", 0)
            reconstructed_x = pt.sigmoid(logits)
            if x is None:
                logpxz = None
            elif runs_c_ops(self.mode):  # the same sum, as one vectorised C loop
                logpxz = BernoulliLogLik()(x, logits)
            else:
                logpxz = (x * logits - pt.softplus(logits)).sum(axis=1)
        return reconstructed_x, logpxz

    def lower_bound(self, x, eps=None):
        """The bound's graph for a batch x (batch, D); see ``Bound``.

        With n_samples = L > 1, each row gets L noise draws (eps, if given, is
        (L, batch, n_latent)); z and reconstructed_x then stack the L draws
        sample-major into L * batch rows, and logpxz is the mean over the L
        draws, (batch,). The L draws are unrolled in the graph (no reshapes of
        the batch axis), which keeps every shape static for JAX.
        """
        mu, log_sigma = self.encoder(x)
        if self.n_samples == 1:
            z = self.sampler(mu, log_sigma, eps)
            reconstructed_x, logpxz = self.decoder(x, z)
        else:
            L = self.n_samples
            if eps is None:
                eps = self.draw_eps((L, x.shape[0], self.n_latent))
            draws = [self.sampler(mu, log_sigma, eps[i]) for i in range(L)]
            decoded = [self.decoder(x, z_i) for z_i in draws]
            z = pt.concatenate(draws, axis=0)
            reconstructed_x = pt.concatenate([r for r, _ in decoded], axis=0)
            logpxz = pt.mean(pt.stack([lp for _, lp in decoded]), axis=0)
        # Expectation of (logpz - logqz_x) over logqz_x is equal to KLD (see appendix B):
        KLD = 0.5 * pt.sum(1 + log_sigma - mu ** 2 - pt.exp(log_sigma), axis=1)
        logpx = pt.mean(logpxz + KLD)
        return Bound(logpx, mu, log_sigma, z, reconstructed_x, logpxz, KLD)

    def rng_updates(self, outputs):
        """{srng: its next state} when ``outputs`` draw noise from srng, else {}."""
        for var in ancestors(outputs):
            node = var.owner
            if node and isinstance(node.op, RandomVariable) and node.inputs[0] is self.srng:
                return {self.srng: node.outputs[0]}
        return {}

    def create_gradientfunctions(self, x_train):
        """Compile update(batch, epoch), likelihood(x), encode(x) and decode(z).

        On JAX (``backend.slices_on_host``) the functions take the batch and the
        noise as inputs instead: a slice of the shared training set at a traced
        index has no static shape, and JAX would run on a copy of srng. The
        noise is then drawn on the host from srng's own generator, the same
        draws the C backend makes, so both backends see the same noise.
        """
        x = pt.matrix("x")
        epoch = pt.scalar("epoch")
        host = self._noise_on_host = slices_on_host(self.mode)
        eps = (pt.matrix("eps") if self.n_samples == 1 else pt.tensor3("eps")) if host else None
        bound = self.lower_bound(x, eps)
        gradients = pytensor.grad(bound.logpx, list(self.params.values()))
        updates = self.get_adam_updates(gradients, epoch)
        updates.update(self.rng_updates([bound.logpx]))
        z_in = pt.matrix("z")
        decode = pytensor.function([z_in], self.decoder(None, z_in)[0], mode=self.mode, name="decode")

        if host:
            eps_z = pt.matrix("eps_z")
            z = self.sampler(*self.encoder(x), eps_z)
            update = pytensor.function([x, eps, epoch], bound.logpx, updates=updates, mode=self.mode,
                                       name="update", on_unused_input="ignore")
            likelihood = pytensor.function([x, eps], bound.logpx, mode=self.mode, name="likelihood")
            encode = pytensor.function([x, eps_z], z, mode=self.mode, name="encode")
            return update, likelihood, encode, decode

        batch = pt.iscalar("batch")
        givens = {x: x_train[batch * self.batch_size:(batch + 1) * self.batch_size, :]}
        update = pytensor.function([batch, epoch], bound.logpx, updates=updates,
                                   givens=givens, mode=self.mode, name="update",
                                   on_unused_input="ignore")  # epoch, under "step"
        likelihood = pytensor.function([x], bound.logpx, updates=self.rng_updates([bound.logpx]),
                                       mode=self.mode, name="likelihood")
        z = self.sampler(*self.encoder(x))
        encode = pytensor.function([x], z, updates=self.rng_updates([z]), mode=self.mode, name="encode")
        return update, likelihood, encode, decode

    def _host_noise(self, rows, samples=None):
        """N(0, 1) noise (rows, n_latent), or (samples, rows, n_latent), from srng's generator."""
        size = (rows, self.n_latent) if samples is None else (samples, rows, self.n_latent)
        return self.srng.get_value(borrow=True).normal(0.0, 1.0, size=size).astype(self.dtype)

    def _bound_noise(self, rows):
        return self._host_noise(rows, None if self.n_samples == 1 else self.n_samples)

    def get_adam_updates(self, gradients, epoch):
        """Adam, as the original: gradient *ascent* on the bound.

        m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
        theta <- theta + learning_rate * gamma * m / (sqrt(v) + 1e-8),
        gamma = sqrt(1 - b2^epoch) / (1 - b1^epoch)   (bias correction by *epoch*;
        with bias_correction="step", the step count t + 1 takes epoch's place),
        and for weights (names containing W) also
        theta <- theta - learning_rate * lam * (batch_size / N) * theta   (L2 / MAP).
        Every right-hand side uses the values before the update.

        On backends that run C (the default) the same update is one fused,
        in-place C loop per parameter (``ops.AdamStep``); elsewhere (JAX, Numba)
        it is the symbolic expression below.
        """
        updates = OrderedDict()
        if self.bias_correction == "step":
            epoch = self.t + 1
            updates[self.t] = epoch
        gamma = pt.sqrt(1 - self.b2 ** epoch) / (1 - self.b1 ** epoch)
        if runs_c_ops(self.mode):
            step = AdamStep(self.b1, self.b2, epsilon)
            coef = self.learning_rate * gamma
            for name, gradient in zip(self.params, gradients):
                parameter, m, v = self.params[name], self.m[name], self.v[name]
                decay = self.learning_rate * self.lam * (self.batch_size / self.N) if "W" in name else 0.0
                updates[parameter], updates[m], updates[v] = step(parameter, gradient, m, v, coef, decay)
            return updates
        values_iterable = zip(self.params.keys(), self.params.values(), gradients,
                              self.m.values(), self.v.values())
        for name, parameter, gradient, m, v in values_iterable:
            new_m = self.b1 * m + (1. - self.b1) * gradient
            new_v = self.b2 * v + (1. - self.b2) * (gradient ** 2)
            updates[parameter] = parameter + self.learning_rate * gamma * new_m / (pt.sqrt(new_v) + epsilon)
            if "W" in name:
                # MAP on weights (same as L2 regularization)
                updates[parameter] -= self.learning_rate * self.lam * (parameter * (self.batch_size / self.N))
            updates[m] = new_m
            updates[v] = new_v
        return updates

    # -- the compiled functions, with their inputs checked --------------------

    def update(self, batch, epoch):
        """One Adam step on batch ``batch`` of x_train; returns that batch's bound
        (nats per datapoint) at the parameters *before* the step.

        ``epoch`` (>= 1) drives Adam's bias correction, as in the original.
        """
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) \
                or not 0 <= batch < self.n_batches:
            raise ValueError(f"batch must be an integer in [0, {self.n_batches}), got {batch!r}")
        if not (np.isfinite(epoch) and epoch > 0):
            raise ValueError(f"epoch must be positive (Adam's bias correction divides "
                             f"by 1 - b1**epoch), got {epoch!r}")
        if self._noise_on_host:
            rows = slice(batch * self.batch_size, (batch + 1) * self.batch_size)
            x = np.asarray(self.x_train.get_value(borrow=True)[rows])
            return self._update(x, self._bound_noise(len(x)), epoch)
        return self._update(batch, epoch)

    def likelihood(self, x):
        """The bound, averaged over the rows of x (batch, D), one fresh eps per row."""
        x = self._check_x(x)
        if self._noise_on_host:
            return self._likelihood(x, self._bound_noise(len(x)))
        return self._likelihood(x)

    def encode(self, x):
        """A sample z ~ q(z|x): x (batch, D) -> z (batch, n_latent)."""
        return self._encode_rows(self._check_x(x))

    def _encode_rows(self, x):
        """encode() for rows already checked by _check_x."""
        if self._noise_on_host:
            return self._encode(x, self._host_noise(len(x)))
        return self._encode(x)

    def decode(self, z):
        """Decoder means for z (n, n_latent) -> (n, D): probabilities or Gaussian means."""
        z = np.asarray(z)
        if z.ndim != 2 or z.shape[1] != self.n_latent:
            raise ValueError(f"z must have shape (n, n_latent={self.n_latent}), got {z.shape}")
        if not np.issubdtype(z.dtype, np.number) or not np.all(np.isfinite(z)):
            raise ValueError("z must be finite numbers (found NaN, inf or non-numeric values)")
        return self._decode(z.astype(self.dtype, copy=False))

    def encode_mean(self, x):
        """The posterior's parameters, no sampling: x (batch, D) -> mu, log_sigma (batch, n_latent)."""
        if self._encode_mean is None:
            with pytensor.config.change_flags(floatX=self.dtype):
                x_in = pt.matrix("x")
                self._encode_mean = pytensor.function([x_in], list(self.encoder(x_in)),
                                                      mode=self.mode, name="encode_mean")
        mu, log_sigma = self._encode_mean(self._check_x(x))
        return mu, log_sigma

    def sample(self, n, seed=None):
        """Decoder means for n draws z ~ N(0, I) from the prior -> (n, D).

        ``seed`` seeds a NumPy generator of its own: the model's noise stream
        is untouched, and the same seed gives the same images.
        """
        _check_positive_int("n", n)
        z = np.random.default_rng(seed).standard_normal((n, self.n_latent))
        return self.decode(z)

    def log_likelihood(self, x, k=5000, batch_size=100, seed=0, return_stderr=False,
                       progress=None):
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
        _check_positive_int("k", k)
        _check_positive_int("batch_size", batch_size)
        x = self._check_x(x)
        if self._log_weights is None:
            self._log_weights = self._compile_log_weights()
        from tqdm import tqdm

        rng = np.random.default_rng(seed)
        per_call = max(1, 50_000 // batch_size)
        estimates, stderrs = np.empty(len(x)), np.empty(len(x))
        starts = range(0, len(x), batch_size)
        for start in tqdm(starts, desc=f"log p(x), k={k}", unit="batch", leave=False,
                          disable=(None if progress is None else not progress)):
            chunk = x[start:start + batch_size]
            log_w = np.concatenate([
                self._log_weights(chunk, rng.standard_normal((min(per_call, k - s), len(chunk), self.n_latent))
                                  .astype(self.dtype))
                for s in range(0, k, per_call)]).astype(np.float64)  # (k, rows)
            estimates[start:start + len(chunk)] = log_mean_exp(log_w, axis=0)
            w = np.exp(log_w - log_w.max(axis=0))
            stderrs[start:start + len(chunk)] = w.std(axis=0) / (np.sqrt(k) * w.mean(axis=0))
        return (estimates, stderrs) if return_stderr else estimates

    def _compile_log_weights(self):
        """f(x (B, D), eps (S, B, n_latent)) -> log p(x|z) + log p(z) - log q(z|x), (S, B)."""
        with pytensor.config.change_flags(floatX=self.dtype):
            x, eps = pt.matrix("x"), pt.tensor3("eps")
            mu, log_sigma = self.encoder(x)
            z = self.sampler(mu, log_sigma, eps)  # (S, B, n_latent)
            # One decoder pass over all S * B rows. The shapes are written with -1
            # and input dimensions only, so that JAX can trace them.
            rows = pt.broadcast_to(x, (eps.shape[0], x.shape[0], self.features)).reshape((-1, self.features))
            _, logpxz = self.decoder(rows, z.reshape((-1, self.n_latent)))
            log_norm = -0.5 * np.log(2 * np.pi)
            logpz = (log_norm - 0.5 * z ** 2).sum(axis=2)
            logqz = (log_norm - 0.5 * log_sigma - 0.5 * eps ** 2).sum(axis=2)
            log_w = logpxz.reshape((eps.shape[0], -1)) + logpz - logqz
            return pytensor.function([x, eps], log_w, mode=self.mode, name="log_weights")

    def get_rng_state(self):
        """The sampler generator's state (a dict of plain Python values)."""
        return self.srng.get_value(borrow=True).bit_generator.state

    def set_rng_state(self, state):
        """Restore a state from ``get_rng_state``: the following draws repeat exactly."""
        generator = np.random.default_rng()
        generator.bit_generator.state = state
        self.srng.set_value(generator, borrow=True)

    def transform_data(self, x_train):
        """Encode every row of x_train (N, D) batch by batch -> sampled z (N, n_latent).

        Unlike the original, the last partial batch is encoded too, not left at zero.
        """
        x_train = self._check_x(x_train)
        return np.concatenate([self._encode_rows(x_train[i:i + self.batch_size])
                               for i in range(0, len(x_train), self.batch_size)])

    def _check_x(self, x):
        x = _check_data(x, "x", self.continuous)
        if x.shape[1] != self.features:
            raise ValueError(f"x has {x.shape[1]} features per row; this model was "
                             f"built for {self.features}")
        return x.astype(self.dtype, copy=False)

    # -- saving and loading -----------------------------------------------

    def get_state(self):
        """Copies of every parameter, Adam moment and Adam's step count:
        {"params/W_xh": array, "m/W_xh": ..., "v/...": ..., "adam/t": ()}."""
        state = {f"{group}/{name}": var.get_value()
                 for group, variables in (("params", self.params), ("m", self.m), ("v", self.v))
                 for name, var in variables.items()}
        state["adam/t"] = self.t.get_value()
        return state

    def set_state(self, state, source="state"):
        """Set parameters and moments from ``get_state``'s layout, all or nothing.

        Every array's name, shape, dtype (floating) and values (finite) are
        checked before any shared variable changes; ``source`` names the origin
        in error messages.
        """
        groups = {"params": {}, "m": {}, "v": {}, "adam": {}}
        for key, value in state.items():
            group, _, name = key.partition("/")
            if group not in groups or not name:
                raise ValueError(f"{source}: unexpected entry {key!r}")
            groups[group][name] = value
        checked = []
        for group, variables in (("params", self.params), ("m", self.m), ("v", self.v)):
            found = groups[group]
            missing = [n for n in variables if n not in found]
            extra = [n for n in found if n not in variables]
            if missing or extra:
                raise ValueError(f"{source}: {group} does not match this model's parameters "
                                 f"(missing {missing}, unexpected {extra})")
            for name, var in variables.items():
                value = found[name]
                if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
                    raise ValueError(f"{source}: {group}/{name} must be a floating-point array, "
                                     f"got {getattr(value, 'dtype', type(value))}")
                expected = var.get_value(borrow=True).shape
                if value.shape != expected:
                    raise ValueError(f"{source}: {group}/{name} has shape {value.shape}, "
                                     f"this model needs {expected}")
                if not np.all(np.isfinite(value)):
                    raise ValueError(f"{source}: {group}/{name} holds NaN or inf")
                checked.append((var, value.astype(self.dtype)))
        if groups["adam"]:  # absent from the original's files: t is left as it is
            t = groups["adam"].get("t")
            if set(groups["adam"]) != {"t"} or np.shape(t) != () \
                    or not np.isfinite(t) or t < 0 or t != np.floor(t):
                raise ValueError(f"{source}: adam/t must be a non-negative whole number, got {t!r}")
            checked.append((self.t, np.asarray(t, dtype=self.dtype)))
        for var, value in checked:
            var.set_value(value)

    def save_parameters(self, path):
        """Write params, m and v to the folder ``path`` as ``params.npz``, atomically.

        The original pickled three files (params.pkl, m.pkl, v.pkl) into ``path``;
        ours is one NumPy archive with no pickle inside (keys ``params/W_xh``,
        ``m/W_xh``, ...), written to a temporary file and renamed over the old one.
        """
        target = os.path.join(path, PARAMS_FILE)
        with atomic_write(target) as f:
            np.savez(f, **self.get_state())
        return target

    def load_parameters(self, path):
        """Load params, m and v saved by ``save_parameters`` or by the original code.

        ``path`` is a folder holding ``params.npz`` (ours) or the original's
        ``params.pkl``, ``m.pkl`` and ``v.pkl``, or the path of an ``.npz`` file.
        Everything is checked before any shared variable changes (``set_state``);
        legacy pickles are read with an unpickler that admits only NumPy arrays.
        """
        self.set_state(_read_parameter_files(path), source=os.fspath(path))


def log_mean_exp(a, axis=None):
    """log(mean(exp(a))) without underflow or overflow: max + log(mean(exp(a - max)))."""
    a = np.asarray(a, dtype=np.float64)
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = np.log(np.mean(np.exp(a - top), axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis) if axis is not None else out.item()


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_data(x, what, continuous):
    """x as a finite 2-D float array (and in [0, 1] for a Bernoulli model), or ValueError."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{what} must be 2-D (rows, features), got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{what} is empty (shape {x.shape})")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool) or np.iscomplexobj(x):
        raise ValueError(f"{what} must hold real numbers, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what} holds NaN or inf values")
    if not continuous and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"{what} must lie in [0, 1] for the Bernoulli decoder "
                         f"(continuous=False); got values in [{x.min()}, {x.max()}]")
    return x


def _read_parameter_files(path):
    """{"params/W_xh": array, "m/...": ..., "v/...": ...} from an .npz file or a folder."""
    path = os.fspath(path)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, PARAMS_FILE)):
        path = os.path.join(path, PARAMS_FILE)
    if os.path.isfile(path):
        try:
            with np.load(path, allow_pickle=False) as f:
                return {key: f[key] for key in f.files}
        except Exception as e:  # zipfile/zlib/OSError/ValueError: a truncated or damaged archive
            raise ValueError(f"{path}: not a readable parameter archive ({e})") from e
    if os.path.isdir(path):
        legacy = [os.path.join(path, name) for name in LEGACY_FILES]
        missing = [p for p in legacy if not os.path.isfile(p)]
        if missing:
            raise FileNotFoundError(f"{path} holds neither {PARAMS_FILE} nor the original's "
                                    f"params.pkl, m.pkl and v.pkl (missing: {missing})")
        state = {}
        for group, file in zip(("params", "m", "v"), legacy):
            content = safe_pickle.load_path(file)
            if not isinstance(content, dict):
                raise ValueError(f"{file}: expected a dict of arrays, got {type(content).__name__}")
            state.update({f"{group}/{name}": value for name, value in content.items()})
        return state
    raise FileNotFoundError(f"no saved parameters at {path}")
