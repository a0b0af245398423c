"""Formulas of the model, each written once in plain PyTensor and kept as one graph node.

The densities every part uses, written once: ``gaussian_log_density`` (the
Gaussian decoder's log p(x|z), the encoder's log q(z|x), wake-sleep's sleep
term) and ``standard_normal_log_density`` (the prior p(z)), and from them ``sampled_kld``
(the bound's KL term at a draw of z), plain PyTensor.

``bernoulli_log_likelihood`` (the decoder's log p(x|z)) and ``adam_update``
(one parameter's Adam step) are where a training step spends its time outside
the matrix products; ``adagrad_update`` is the paper's optimiser. Each builds a small ``OpFromGraph`` (PyTensor's
``SymbolicOp``) whose inner graph is the formula itself, so the model reads as
maths, and a backend can recognise the formula by its node:

- every backend (JAX, Numba, Python, ...) inlines the inner graph at the very
  start of compilation (PyTensor's own ``inline_ofg_expansion``), and compiles
  exactly the expression written here;
- the C backend first swaps the first two for hand-written vectorised C loops
  computing the same numbers (``vae_theano.backends.rewrites``, a rewrite tagged
  ``cxx_only``, as PyTensor's own BLAS rewrites are).
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.compile.builders import SymbolicOp

LOG_2PI = float(np.log(2 * np.pi))  # a Python float: it takes the model's dtype, not float64


def gaussian_log_density(x, mean, log_var):
    """log N(x; mean, exp(log_var)) of each value (a diagonal Gaussian, elementwise; sum
    over the last axis for a row's): -(log 2 pi + log_var) / 2 - (x - mean)^2 / (2 exp(log_var))."""
    return -(0.5 * LOG_2PI + 0.5 * log_var) - 0.5 * ((x - mean) ** 2 / pt.exp(log_var))


def standard_normal_log_density(z):
    """log N(z; 0, 1) of each value, the prior p(z)'s terms: -(log 2 pi) / 2 - z^2 / 2."""
    return -0.5 * LOG_2PI - 0.5 * z ** 2


def sampled_kld(z, eps, log_sigma):
    """log p(z) - log q(z|x) at a draw z = mu + exp(log_sigma / 2) eps of q(z|x) = N(mu, exp(log_sigma)),
    summed over the last (latent) axis: the KL term of the paper's estimator A (eq. 6), whose mean over
    eps ~ N(0, I) is the closed form -KL(q(z|x) || p(z)). log q(z|x) at that z is log N(eps; 0, I) -
    log_sigma / 2, written so: (z - mu)^2 / exp(log_sigma) would lose digits where the variance is small."""
    return pt.sum(standard_normal_log_density(z) - standard_normal_log_density(eps) + 0.5 * log_sigma, axis=-1)


class ShapesFromInputs:
    """An Op whose output shapes follow from its inputs' shapes (``output_shapes``).

    For a formula this spares PyTensor inferring them through the inner graph,
    which OpFromGraph does by cloning that graph at every call: with the
    formulas inside ``update_batches``' scan, most of its warm build
    (``docs/benchmarks.md``).
    PyTensor up to 3.0 calls ``infer_shape(fgraph, node, shapes)``, 3.1 and
    later ``infer_shape(node, shapes)`` (and warn of the older signature):
    this one takes both.
    """

    def infer_shape(self, *args):
        node, shapes = args[-2:]
        return self.output_shapes(node, shapes)

    def output_shapes(self, node, shapes):
        raise NotImplementedError


class BernoulliLogLikelihood(ShapesFromInputs, SymbolicOp):
    """Row sums of x log sigmoid(a) + (1 - x) log(1 - sigmoid(a)) = x a - softplus(a).

    x, a: (batch, D) data in [0, 1] and decoder logits -> (batch,), in nats.
    Written from the logits, the sum stays finite where sigmoid(a) rounds to
    0 or 1. Its gradient in a, g (x - sigmoid(a)), is a node of its own
    (``BernoulliLogLikelihoodGrad``) so that a backend can replace it too.
    """

    inline = True

    @staticmethod
    def filter_inputs(x, a):
        a = pt.as_tensor_variable(a)
        return pt.cast(pt.as_tensor_variable(x), a.type.dtype), a

    def build_inner_graph(self, x, a):
        return [(x * a - pt.softplus(a)).sum(axis=1)]

    def output_shapes(self, node, shapes):
        return [(shapes[1][0],)]

    def pullback(self, inputs, outputs, cotangents):
        x, a = inputs
        (g,) = cotangents
        return [g[:, None] * a, BernoulliLogLikelihoodGrad()(x, a, g)]


class BernoulliLogLikelihoodGrad(ShapesFromInputs, SymbolicOp):
    """g[:, None] (x - sigmoid(a)): the gradient of ``BernoulliLogLikelihood`` in a,
    weighted by the cotangent g (batch,); x, a (batch, D) -> (batch, D)."""

    inline = True

    @staticmethod
    def filter_inputs(x, a, g):
        a = pt.as_tensor_variable(a)
        return (pt.cast(pt.as_tensor_variable(x), a.type.dtype), a,
                pt.cast(pt.as_tensor_variable(g), a.type.dtype))

    def build_inner_graph(self, x, a, g):
        return [g[:, None] * (x - pt.sigmoid(a))]

    def output_shapes(self, node, shapes):
        return [shapes[1]]


class AdamUpdate(ShapesFromInputs, SymbolicOp):
    """One parameter's Adam step, gradient *ascent*, as the original wrote it:

        m' = b1 m + (1 - b1) g
        v' = b2 v + (1 - b2) g^2
        theta' = theta + coef m' / (sqrt(v') + epsilon) - decay theta

    (theta, g, m, v) of one shape, coef and decay scalars -> (theta', m', v').
    ``VAE.get_adam_updates`` passes coef = learning_rate * gamma (the bias
    correction) and decay = learning_rate * lam * batch_size / N for weights
    (the L2 / MAP term), 0 for biases.
    """

    __props__ = ("b1", "b2", "epsilon")
    inline = True

    @staticmethod
    def filter_inputs(theta, g, m, v, coef, decay):
        theta = pt.as_tensor_variable(theta)
        dtype = theta.type.dtype
        return (theta, *(pt.cast(pt.as_tensor_variable(a), dtype) for a in (g, m, v, coef, decay)))

    def build_inner_graph(self, theta, g, m, v, coef, decay):
        new_m = self.b1 * m + (1.0 - self.b1) * g
        new_v = self.b2 * v + (1.0 - self.b2) * g ** 2
        new_theta = theta + coef * new_m / (pt.sqrt(new_v) + self.epsilon) - decay * theta
        return [new_theta, new_m, new_v]

    def output_shapes(self, node, shapes):
        return [shapes[0], shapes[2], shapes[3]]


class AdagradUpdate(ShapesFromInputs, SymbolicOp):
    """One parameter's Adagrad step (the paper's optimiser), gradient ascent on the
    bound plus a Gaussian prior's log density (a MAP objective):

        g' = g - prior theta,  v' = v + g'^2,  theta' = theta + coef g' / (sqrt(v') + epsilon)

    (theta, g, v) of one shape; coef (the global step size) and prior (the
    weight of log N(theta; 0, I) per datapoint, lam / N for weights, 0 for
    biases) scalars -> (theta', v'). Unlike the original's Adam, the prior's
    gradient goes through Adagrad's scaling: applied outside it, its pull
    would stay constant while Adagrad's steps shrink, and end up dominating.
    """

    __props__ = ("epsilon",)
    inline = True

    @staticmethod
    def filter_inputs(theta, g, v, coef, prior):
        theta = pt.as_tensor_variable(theta)
        dtype = theta.type.dtype
        return (theta, *(pt.cast(pt.as_tensor_variable(a), dtype) for a in (g, v, coef, prior)))

    def build_inner_graph(self, theta, g, v, coef, prior):
        g = g - prior * theta
        new_v = v + g ** 2
        return [theta + coef * g / (pt.sqrt(new_v) + self.epsilon), new_v]

    def output_shapes(self, node, shapes):
        return [shapes[0], shapes[2]]


def bernoulli_log_likelihood(x, a):
    """log p(x|z) of a Bernoulli decoder with logits a, summed over features: (batch,)."""
    return BernoulliLogLikelihood()(x, a)


def adam_update(theta, g, m, v, coef, decay, *, b1, b2, epsilon):
    """(theta', m', v') of ``AdamUpdate``."""
    return AdamUpdate(b1=float(b1), b2=float(b2), epsilon=float(epsilon))(theta, g, m, v, coef, decay)


def adagrad_update(theta, g, v, coef, prior, *, epsilon):
    """(theta', v') of ``AdagradUpdate``."""
    return AdagradUpdate(epsilon=float(epsilon))(theta, g, v, coef, prior)
