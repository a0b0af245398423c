"""Our C Ops against NumPy, and what they do to the compiled update step."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from vae_theano import VAE
from vae_theano.ops import AdamStep


def numpy_adam(theta, g, m, v, coef, decay, b1=0.95, b2=0.999, eps=1e-8):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g ** 2
    return theta + coef * m / (np.sqrt(v) + eps) - decay * theta, m, v


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-14), ("float32", 2e-6)])
@pytest.mark.parametrize("mode", ["CVM", "FAST_COMPILE"])
def test_adam_step_matches_numpy(dtype, rtol, mode):
    rs = np.random.RandomState(0)
    theta0 = rs.normal(size=(37, 23)).astype(dtype)
    m0, v0 = rs.normal(size=(37, 23)).astype(dtype), rs.uniform(size=(37, 23)).astype(dtype)
    g0 = rs.normal(size=(23, 37)).astype(dtype)  # fed transposed: a non-contiguous view
    theta, m, v = (pytensor.shared(a.copy()) for a in (theta0, m0, v0))
    g = pt.matrix("g", dtype=dtype)
    new = AdamStep(0.95, 0.999, 1e-8)(theta, g.T, m, v, 0.003, 0.0002)
    f = pytensor.function([g], [], updates=list(zip((theta, m, v), new)), mode=mode)
    want = (theta0, m0, v0)
    for _ in range(3):
        f(g0)
        want = numpy_adam(want[0], g0.T.astype(np.float64), want[1], want[2], 0.003, 0.0002)
    for var, expected in zip((theta, m, v), want):
        assert var.get_value().dtype == dtype
        np.testing.assert_allclose(var.get_value(), expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_update_step_has_no_duplicate_products_and_updates_in_place(tiny_binary):
    vae = VAE(False, 5, 4, 2, tiny_binary, batch_size=10)
    nodes = vae._update.maker.fgraph.toposort()
    steps = [n for n in nodes if isinstance(n.op, AdamStep)]
    assert len(steps) == len(vae.params) and all(n.op.inplace for n in steps)
    products = [n for n in nodes if type(n.op).__name__ in ("Dot22", "Dot22Scalar", "Gemm", "Dot", "Gemv")]
    # 5 forward, 9 backward; the 15th: the rewriter folds the sampler's 0.5 into a
    # second copy of dz = d_h_dec W_zh^T (a small product, batch x hu_decoder x n_latent).
    # Before AdamStep, (1 - b1) * g added a copy of every weight gradient as well.
    assert len(products) == 15, [str(n) for n in products]
    copies = [n for n in products if "W_zh.T" in str(n)]
    assert sorted(type(n.op).__name__ for n in copies) == ["Dot22", "Dot22Scalar"]


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-13), ("float32", 2e-5)])
@pytest.mark.parametrize("mode", ["CVM", "FAST_COMPILE"])
def test_bernoulli_log_likelihood_matches_numpy(dtype, rtol, mode):
    from vae_theano.ops import BernoulliLogLik

    rs = np.random.RandomState(1)
    x = (rs.uniform(size=(7, 300)) < 0.4).astype(dtype)
    x[:, :5] = 0.3  # grey levels too
    a = (rs.normal(size=(7, 300)) * 6).astype(dtype)
    a[0, :4] = [-800, 800, -60, 60]  # saturated logits stay finite
    xs, As, g = pt.matrix(dtype=dtype), pt.matrix(dtype=dtype), pt.vector(dtype=dtype)
    out = BernoulliLogLik()(xs, As)
    f = pytensor.function([xs, As, g], [out, pytensor.grad((out * g).sum(), As)], mode=mode)
    weights = rs.normal(size=7).astype(dtype)
    value, grad = f(x, a, weights)
    x64, a64 = x.astype(np.float64), a.astype(np.float64)
    np.testing.assert_allclose(value, (x64 * a64 - np.logaddexp(0, a64)).sum(axis=1), rtol=rtol)
    expected = weights[:, None] * (x64 - 0.5 * (1 + np.tanh(0.5 * a64)))
    np.testing.assert_allclose(grad, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_bernoulli_log_likelihood_gradient_by_finite_differences():
    from vae_theano.ops import BernoulliLogLik

    rs = np.random.RandomState(2)
    x = rs.uniform(size=(3, 5))
    pytensor.gradient.verify_grad(lambda a: BernoulliLogLik()(x, a), [rs.normal(size=(3, 5))], rng=rs,
                                  mode="CVM")
