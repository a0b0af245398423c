"""The Variational Auto-Encoder of Kingma & Welling (2013), as the original Theano code.

The model, in the paper's notation, for a datapoint x with D features:

    encoder  q(z|x) = N(mu(x), diag(exp(log_sigma(x))))     z: n_latent values
             h = relu(x W_xh + b_xh),  mu = h W_hmu + b_hmu,  log_sigma = h W_hsigma + b_hsigma
                        (option: log_sigma = c h W_hsigma + b_hsigma, Kingma's wake-sleep, log_var_factor)
    sampler  z = mu + exp(log_sigma / 2) * eps,  eps ~ N(0, I)   (reparameterisation)
    decoder  h = relu(z W_zh + b_zh), then either
             Bernoulli: p(x|z) = prod_d r_d^x_d (1 - r_d)^(1 - x_d),  r = sigmoid(h W_hx + b_hx)
             Gaussian:  p(x|z) = N(x; h W_hxmu + b_hxmu, diag(exp(h W_hxsigma + b_hxsigma)))
                        (options: a sigmoid on the mean, the paper's bounded_mean; a variance
                        exp(b_hxsigma) that does not depend on z, pixel_variance; c h W_hxsigma,
                        the encoder's c, log_var_layers="encoder-and-decoder")
    bound    L(x) = log p(x|z) + KLD,  KLD = 1/2 sum_j (1 + log_sigma_j - mu_j^2 - exp(log_sigma_j))
             (KLD is -KL(q(z|x) || N(0, I)), appendix B of the paper; L <= log p(x), in nats)
             (option kl="sampled": KLD = log N(z; 0, I) - log q(z|x) at the sampled z, estimator A)

``log_sigma`` is a log *variance*, as in the original. Training maximises the
batch mean of L with the original's Adam (see ``get_adam_updates``).

Names and order of everything (parameters, methods, compiled functions) follow
the original ``VAE.py`` so that the paper, the old code and this one map onto
each other line by line.
"""

from collections import OrderedDict, namedtuple

import numpy as np
import pytensor
import pytensor.tensor as pt

from . import evaluate, functions, persistence
from .backends import batch_rows, resolve_mode
from .formulas import adagrad_update, adam_update, bernoulli_log_likelihood, gaussian_log_density, sampled_kld
from .options import check_options
from .validation import (check_batch, check_batches, check_dtype, check_epoch, check_latent,
                         check_decoder_options, check_positive_int, check_rows, check_trainable,
                         check_training_set)

epsilon = 1e-8  # Adam's denominator guard, as in the original
sigma_init = 0.01  # standard deviation of the initial weights
ENCODER_PARAMS = ("W_xh", "b_xh", "W_hmu", "b_hmu", "W_hsigma", "b_hsigma")  # q(z|x); the rest is p(x|z)

Decoded = namedtuple("Decoded", "mean log_var logits")
Decoded.__doc__ = """p(x|z) at a batch of z, each (batch, D): the Gaussian decoder's mean and log-variance
(logits None), or the Bernoulli decoder's probabilities (its mean) and their logits (log_var None)."""
Bound = namedtuple("Bound", "logpx mu log_sigma z reconstructed_x logpxz KLD")
Bound.__doc__ = """The symbolic pieces of the variational lower bound for a batch x: (batch, D).

logpx: () batch mean of logpxz + KLD; mu, log_sigma, z: (batch, n_latent);
reconstructed_x: (batch, D) decoder means; logpxz, KLD: (batch,).
"""


def relu(x):
    """max(x, 0), written as the original did: x where x >= 0, so relu'(0) = 1."""
    return pt.switch(x < 0, 0, x)


ACTIVATIONS = {"relu": relu, "tanh": pt.tanh, "softplus": pt.softplus}  # the original's, the paper's, Kingma's code


def parameter_sizes(continuous, features, hu_encoder, n_latent, hu_decoder, pixel_variance=False):
    """{name: shape} of the model's parameters, in the original's order (the order its
    weights are drawn in): the encoder's, then the decoder's (a Bernoulli decoder's
    logits W_hx, b_hx, or a Gaussian decoder's mean and log-variance; with
    ``pixel_variance`` its log-variance is b_hxsigma alone, one per pixel)."""
    sizes = OrderedDict([
        ("W_xh", (features, hu_encoder)), ("b_xh", hu_encoder),
        ("W_hmu", (hu_encoder, n_latent)), ("b_hmu", n_latent),
        ("W_hsigma", (hu_encoder, n_latent)), ("b_hsigma", n_latent),
        ("W_zh", (n_latent, hu_decoder)), ("b_zh", hu_decoder),
    ])
    if continuous:
        sizes.update([("W_hxmu", (hu_decoder, features)), ("b_hxmu", features),
                      *([] if pixel_variance else [("W_hxsigma", (hu_decoder, features))]), ("b_hxsigma", features)])
    else:
        sizes.update([("W_hx", (hu_decoder, features)), ("b_hx", features)])
    return sizes


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
    x_train : array (N, features), or None
        Training data; kept on the device as the shared variable ``x_train``.
        None builds a model without a training set (``features`` then gives
        D): it encodes, decodes, samples and evaluates, and refuses to train.
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
    activation : "relu", "tanh" or "softplus"
        The hidden units: the original's ReLU, the paper's tanh, or log(1 + e^a).
    optimizer : "adam" or "adagrad"
        The original's Adam, or the paper's Adagrad with global step size
        ``learning_rate`` (b1, b2 and bias_correction then play no part;
        ``lam`` weighs a N(0, I) prior on the weights, see ``get_adagrad_updates``).
    bounded_mean : bool
        Gaussian decoder only: its mean is a sigmoid, in (0, 1), as the
        paper's Frey Face model (the original's was linear).
    init_std, zero_log_var, log_var_factor, log_var_layers : float, bool, float, str
        The initial weights' standard deviation (the original's 0.01); with zero_log_var
        the encoder's log-variance weights start at zero, as in Kingma's code (anglepy);
        its log-variance is log_var_factor * W_hsigma h + b_hsigma (Kingma's wake-sleep: 0.1);
        log_var_layers="encoder-and-decoder": the Gaussian decoder's W_hxsigma likewise.
    pixel_variance : bool
        Gaussian decoder only: a learned log-variance per pixel, not a function of z.
    kl : "analytic" or "sampled"
        The bound's KLD (in training and every reported bound) in closed form (the original's, the
        paper's eq. 10), or log p(z) - log q(z|x) at the drawn z (estimator A): same mean, noisier.
    features : int, optional
        D, the values per row, for a model built with ``x_train=None``.
    """

    def __init__(self, continuous, hu_encoder, hu_decoder, n_latent, x_train,
                 b1=0.95, b2=0.999, batch_size=100, learning_rate=0.001, lam=0,
                 *, mode=None, dtype=None, seed=42, bias_correction="epoch", n_samples=1, kl="analytic",
                 activation="relu", optimizer="adam", bounded_mean=False, features=None, init_std=sigma_init,
                 zero_log_var=False, log_var_factor=1.0, log_var_layers="encoder", pixel_variance=False):
        dtype = check_dtype(dtype or pytensor.config.floatX)
        for name, value in [("hu_encoder", hu_encoder), ("hu_decoder", hu_decoder), ("n_latent", n_latent)]:
            check_positive_int(name, value)
        check_options(locals())  # every option of the signature (``options.OPTIONS``), before anything changes
        check_decoder_options(continuous, bounded_mean, pixel_variance, log_var_layers)
        x_train, features = check_training_set(x_train, features, bool(continuous), batch_size)
        mode = resolve_mode(mode)

        self.continuous = bool(continuous)
        self.hu_encoder, self.hu_decoder = int(hu_encoder), int(hu_decoder)
        self.n_latent = int(n_latent)
        [self.N, self.features] = (0, features) if x_train is None else x_train.shape
        self.prng = np.random.RandomState(seed)
        self.b1, self.b2, self.learning_rate, self.lam = b1, b2, learning_rate, lam
        self.batch_size = int(batch_size)
        self.n_batches = self.N // self.batch_size
        self.dtype, self.mode = dtype, mode
        self.bias_correction, self.n_samples = bias_correction, int(n_samples)
        self.activation, self.nonlinearity = activation, ACTIVATIONS[activation]
        self.optimizer = optimizer
        self.bounded_mean, self.pixel_variance = bool(bounded_mean), bool(pixel_variance)
        self.log_var_factor, self.log_var_layers, self.kl = float(log_var_factor), log_var_layers, kl
        log_var_weights = {"encoder": ("W_hsigma",), "encoder-and-decoder": ("W_hsigma", "W_hxsigma")}[log_var_layers]

        def create(name, size):  # a zeroed weight is drawn all the same: the later weights stay the same
            weights = self.prng.normal(0, init_std, size).astype(dtype) if name.startswith("W") else None
            zero = weights is None or (zero_log_var and name in log_var_weights)
            return np.zeros(size, dtype=dtype) if zero else weights

        # One RandomState stream, drawn in this order: the original's weights.
        self.params = OrderedDict((name, pytensor.shared(create(name, size), name=name)) for name, size in
                                  parameter_sizes(self.continuous, self.features, hu_encoder, n_latent,
                                                  hu_decoder, self.pixel_variance).items())
        self.decoder_params = tuple(name for name in self.params if name not in ENCODER_PARAMS)  # p(x|z)'s

        # Adam's first and second moments, zero at the start.
        self.m = OrderedDict((key, pytensor.shared(np.zeros_like(value.get_value()), name="m_" + key))
                             for key, value in self.params.items())
        self.v = OrderedDict((key, pytensor.shared(np.zeros_like(value.get_value()), name="v_" + key))
                             for key, value in self.params.items())

        self.t = pytensor.shared(np.asarray(0.0, dtype=dtype), name="t")  # Adam's steps (bias_correction="step")

        # The sampler's noise generator (a NumPy Generator); its state advances with every call.
        self.srng = pt.random.shared_rng(seed=seed, name="srng")
        self.x_train = None if x_train is None else pytensor.shared(x_train.astype(dtype), name="x_train")

        # update's rows (``batch_rows``: sliced from x_train, or fed); each function compiled on first use.
        with pytensor.config.change_flags(floatX=dtype):
            self.rows = None if x_train is None else batch_rows(mode, pt.matrix("x"), self.x_train, self.batch_size)
            self.compiled = functions.ModelFunctions(self, self.create_gradientfunctions())

    # -- the symbolic model ------------------------------------------------

    def encoder(self, x):
        """q(z|x): x (batch, D) -> mu, log_sigma (batch, n_latent), log_sigma a log variance."""
        h_encoder = self.nonlinearity(pt.dot(x, self.params["W_xh"]) + self.params["b_xh"].dimshuffle("x", 0))
        mu = pt.dot(h_encoder, self.params["W_hmu"]) + self.params["b_hmu"].dimshuffle("x", 0)
        log_sigma = (self.log_var_factor * pt.dot(h_encoder, self.params["W_hsigma"])
                     + self.params["b_hsigma"].dimshuffle("x", 0))
        return mu, log_sigma

    def sampler(self, mu, log_sigma, eps):
        """z = mu + exp(log_sigma / 2) * eps, shapes (batch, n_latent), eps ~ N(0, I).

        The original drew eps in the graph from a shared generator; here it is an input, drawn on
        the host from the model's generator ``srng`` (``functions.noise``): the same on every backend.
        """
        return mu + pt.exp(0.5 * log_sigma) * eps

    def decoder(self, x, z):
        """p(x|z): z (batch, n_latent) -> reconstructed_x (batch, D), logpxz (batch,).

        reconstructed_x is the decoder's mean (Bernoulli probabilities or the
        Gaussian mean); logpxz = log p(x|z) summed over features, in nats (None
        when x is None). The Bernoulli term is computed from the logits a:
        x log sigmoid(a) + (1 - x) log(1 - sigmoid(a)) = x a - softplus(a),
        finite even where the sigmoid saturates to 0 or 1 (the original's
        binary_crossentropy of the sigmoid was not).
        """
        p = self.decoder_distribution(z)
        if x is None:
            return p.mean, None
        if self.continuous:
            return p.mean, gaussian_log_density(x, p.mean, p.log_var).sum(axis=1)
        return p.mean, bernoulli_log_likelihood(x, p.logits)

    def decoder_distribution(self, z):
        """p(x|z)'s parameters at z (batch, n_latent): ``Decoded``, what ``decoder`` scores x
        with and what wake-sleep's dreams are drawn from."""
        h_decoder = self.nonlinearity(pt.dot(z, self.params["W_zh"]) + self.params["b_zh"].dimshuffle("x", 0))
        if self.continuous:
            mean = pt.dot(h_decoder, self.params["W_hxmu"]) + self.params["b_hxmu"].dimshuffle("x", 0)
            if self.bounded_mean:  # the paper's Frey Face decoder: a mean in (0, 1)
                mean = pt.sigmoid(mean)
            c = self.log_var_factor if self.log_var_layers == "encoder-and-decoder" else 1.0  # as the encoder's
            varies = pt.zeros_like(mean) if self.pixel_variance else c * pt.dot(h_decoder, self.params["W_hxsigma"])
            return Decoded(mean, varies + self.params["b_hxsigma"], None)
        logits = pt.dot(h_decoder, self.params["W_hx"]) + self.params["b_hx"].dimshuffle("x", 0)
        return Decoded(pt.sigmoid(logits), None, logits)

    def lower_bound(self, x, eps):
        """The bound's graph for a batch x (batch, D); see ``Bound``.

        eps: the noise, (batch, n_latent); with n_samples = L > 1 each row gets L
        draws, eps (L, batch, n_latent); z and reconstructed_x then stack the L draws
        sample-major into L * batch rows, and logpxz (and, with kl="sampled", KLD) is
        the mean over the L draws, (batch,). The L draws are unrolled in the graph (no reshapes of
        the batch axis), which keeps every shape static for JAX.
        """
        mu, log_sigma = self.encoder(x)
        noise = [eps] if self.n_samples == 1 else [eps[i] for i in range(self.n_samples)]
        draws = [self.sampler(mu, log_sigma, e) for e in noise]
        decoded = [self.decoder(x, z_i) for z_i in draws]
        if self.n_samples == 1:
            [z], [(reconstructed_x, logpxz)] = draws, decoded
        else:
            z = pt.concatenate(draws, axis=0)
            reconstructed_x = pt.concatenate([r for r, _ in decoded], axis=0)
            logpxz = pt.mean(pt.stack([lp for _, lp in decoded]), axis=0)
        if self.kl == "analytic":  # the expectation of (logpz - logqz_x) over logqz_x is KLD (appendix B)
            KLD = 0.5 * pt.sum(1 + log_sigma - mu ** 2 - pt.exp(log_sigma), axis=1)
        else:  # the paper's estimator A: logpz - logqz_x at each draw, the mean over the draws
            KLD = pt.mean(pt.stack([sampled_kld(z_i, e, log_sigma) for z_i, e in zip(draws, noise)]), axis=0)
        logpx = pt.mean(logpxz + KLD)
        return Bound(logpx, mu, log_sigma, z, reconstructed_x, logpxz, KLD)

    def get_adam_updates(self, gradients, epoch):
        """Adam, as the original: gradient *ascent* on the bound.

        m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
        theta <- theta + learning_rate * gamma * m / (sqrt(v) + 1e-8),
        gamma = sqrt(1 - b2^epoch) / (1 - b1^epoch)   (bias correction by *epoch*;
        with bias_correction="step", the step count t + 1 takes epoch's place),
        and for weights (names containing W) also
        theta <- theta - learning_rate * lam * (batch_size / N) * theta   (L2 / MAP).
        Every right-hand side uses the values before the update
        (``formulas.AdamUpdate``).
        """
        updates = OrderedDict()
        if self.bias_correction == "step":
            epoch = self.t + 1
            updates[self.t] = epoch
        gamma = pt.sqrt(1 - self.b2 ** epoch) / (1 - self.b1 ** epoch)
        for name, gradient in self._named(gradients):
            parameter, m, v = self.params[name], self.m[name], self.v[name]
            # MAP on weights (same as L2 regularization)
            decay = self.learning_rate * self.lam * (self.batch_size / self.N) if "W" in name else 0.0
            updates[parameter], updates[m], updates[v] = adam_update(
                parameter, gradient, m, v, self.learning_rate * gamma, decay,
                b1=self.b1, b2=self.b2, epsilon=epsilon)
        return updates

    def get_adagrad_updates(self, gradients):
        """Adagrad (the paper's optimiser), gradient ascent with global step size learning_rate
        on the bound plus (lam / N) log N(W; 0, I) for the weights (a MAP objective):

        g <- g - (lam / N) W,  v <- v + g^2,  theta <- theta + learning_rate * g / (sqrt(v) + 1e-8).

        The running sum of squared gradients lives in ``v`` (``m`` stays zero).
        """
        updates = OrderedDict()
        for name, gradient in self._named(gradients):
            parameter, v = self.params[name], self.v[name]
            prior = self.lam / self.N if "W" in name else 0.0
            updates[parameter], updates[v] = adagrad_update(parameter, gradient, v, self.learning_rate,
                                                            prior, epsilon=epsilon)
        return updates

    def _named(self, gradients):
        """(name, gradient) pairs: ``gradients`` is a list in ``params``' order, or a dict
        {name: gradient} that updates only those parameters (wake-sleep, MCEM)."""
        return gradients.items() if isinstance(gradients, dict) else zip(self.params, gradients)

    def get_updates(self, gradients, epoch):
        """The chosen optimiser's updates: ``get_adam_updates`` or ``get_adagrad_updates``."""
        if self.optimizer == "adagrad":
            return self.get_adagrad_updates(gradients)
        return self.get_adam_updates(gradients, epoch)

    def create_gradientfunctions(self):
        """How update(batch, epoch), likelihood(x), encode(x) and decode(z) compile (the
        original's createGradientFunctions), and encode_mean and update_batches:
        {name: a function that builds the graph and compiles it}, called by ``compiled``
        on first use. The noise eps is an input (``sampler``); update's rows come from ``rows``.
        """
        x = pt.matrix("x") if self.rows is None else self.rows.x  # update's rows are fed to x, or given
        epoch, eps_z, z = pt.scalar("epoch"), pt.matrix("eps_z"), pt.matrix("z")
        eps = pt.matrix("eps") if self.n_samples == 1 else pt.tensor3("eps")

        def update():
            bound = self.lower_bound(x, eps)
            updates = self.get_updates(pytensor.grad(bound.logpx, list(self.params.values())), epoch)
            return pytensor.function([*self.rows.inputs, eps, epoch], bound.logpx, updates=updates,
                                     givens=self.rows.givens, mode=self.mode, name="update",
                                     on_unused_input="ignore")  # epoch, under "step"

        def function(name, inputs, outputs):
            return lambda: pytensor.function(inputs, outputs(), mode=self.mode, name=name)

        return {"update": update, "update_batches": lambda: functions.build_update_batches(self),
                "likelihood": function("likelihood", [x, eps], lambda: self.lower_bound(x, eps).logpx),
                "encode": function("encode", [x, eps_z], lambda: self.sampler(*self.encoder(x), eps_z)),
                "decode": function("decode", [z], lambda: self.decoder(None, z)[0]),
                "encode_mean": function("encode_mean", [x], lambda: list(self.encoder(x)))}

    noise = functions.noise  # eps ~ N(0, I), (*shape, n_latent), from srng's generator
    _bound_noise = functions.bound_noise  # the training bound's noise for a number of rows

    # -- the compiled functions, with their inputs checked --------------------

    def update(self, batch, epoch):
        """One step of the optimiser on batch ``batch`` of x_train; returns that batch's bound
        (nats per datapoint) at the parameters *before* the step. ``epoch`` (>= 1) drives
        Adam's bias correction, as in the original."""
        check_trainable(self.x_train, "update")
        batch = check_batch(batch, self.n_batches)
        check_epoch(epoch)
        return self.rows.call(self.compiled("update"), *self.rows.args(batch), self._bound_noise(self.batch_size),
                              epoch)

    def update_batches(self, batches, epoch):
        """``update(b, epoch)`` for each batch index b of ``batches`` (1-D integers), in
        order, in one compiled call: the same maths and the same noise draws as the
        loop of ``update`` calls. Returns the bounds, (len(batches),).
        """
        check_trainable(self.x_train, "update_batches")
        batches = check_batches(batches, self.n_batches)
        check_epoch(epoch)
        eps = self._bound_noise(self.batch_size, len(batches))
        return self.rows.call(self.compiled("update_batches"), *self.rows.sequence_args(batches), eps, epoch)

    def likelihood(self, x):
        """The bound, averaged over the rows of x (batch, D), one fresh eps per row."""
        x = self.check_x(x)
        return self.compiled("likelihood")(x, self._bound_noise(len(x)))

    def encode(self, x):
        """A sample z ~ q(z|x): x (batch, D) -> z (batch, n_latent)."""
        x = self.check_x(x)
        return self.compiled("encode")(x, self.noise(len(x)))

    def decode(self, z):
        """Decoder means for z (n, n_latent) -> (n, D): probabilities or Gaussian means."""
        return self.compiled("decode")(check_latent(z, self.n_latent).astype(self.dtype, copy=False))

    def encode_mean(self, x):
        """The posterior's parameters, no sampling: x (batch, D) -> mu, log_sigma (batch, n_latent)."""
        return tuple(self.compiled("encode_mean")(self.check_x(x)))

    def sample(self, n, seed=None):
        """Decoder means for n draws z ~ N(0, I) from the prior -> (n, D). ``seed`` seeds a NumPy
        generator of its own (the model's noise stream is untouched): the same seed, the same images."""
        check_positive_int("n", n)
        z = np.random.default_rng(seed).standard_normal((n, self.n_latent))
        return self.decode(z)

    def transform_data(self, x_train):
        """Encode every row of x_train (N, D) batch by batch -> sampled z (N, n_latent); unlike
        the original, the last partial batch is encoded too, not left at zero."""
        x_train = self.check_x(x_train)
        chunks = [x_train[i:i + self.batch_size] for i in range(0, len(x_train), self.batch_size)]
        encode = self.compiled("encode")
        return np.concatenate([encode(chunk, self.noise(len(chunk))) for chunk in chunks])

    log_likelihood = evaluate.log_likelihood  # importance-sampled log p(x) per row, in nats

    def check_x(self, x):
        """x (rows, features) checked (finite, 2-D, this model's features, in [0, 1]
        for the Bernoulli decoder) and cast to the model's dtype; else ValueError."""
        return check_rows(x, self.features, self.continuous).astype(self.dtype, copy=False)

    # -- state, saving and loading: ``persistence``'s functions, as methods --------

    get_state = persistence.get_state  # copies of every parameter, moment and Adam's t
    set_state = persistence.set_state  # from get_state's layout, all or nothing
    save_parameters = persistence.save_parameters  # params.npz (the original: params.pkl, m.pkl, v.pkl)
    load_parameters = persistence.load_parameters  # what save_parameters or the original saved, checked
    get_rng_state = persistence.get_rng_state  # the noise generator's state
    set_rng_state = persistence.set_rng_state  # the draws that follow repeat exactly
