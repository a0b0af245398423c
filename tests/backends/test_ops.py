"""Our C Ops against NumPy, and what they do to the compiled update step."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from vae_theano import VAE
from vae_theano.backends.ops import AdamStep


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
    nodes = vae.compiled("update").maker.fgraph.toposort()
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
    from vae_theano.backends.ops import BernoulliLogLik

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


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-13), ("float32", 2e-5)])
def test_the_lone_gradient_and_the_fused_op_match_numpy(dtype, rtol):
    """BernoulliLogLikGrad alone (a graph without the row sums) and BernoulliLogLikAndGrad
    (fuse_bernoulli, where a graph has both) give the formulas' numbers."""
    from vae_theano.backends.ops import BernoulliLogLik

    rs = np.random.RandomState(4)
    x = (rs.uniform(size=(6, 200)) < 0.4).astype(dtype)
    a = (rs.normal(size=(6, 200)) * 6).astype(dtype)
    a[0, :4] = [-800, 800, -60, 60]
    weights = rs.normal(size=6).astype(dtype)
    xs, As, g = pt.matrix(dtype=dtype), pt.matrix(dtype=dtype), pt.vector(dtype=dtype)
    out = BernoulliLogLik()(xs, As)
    grad = pytensor.grad((out * g).sum(), As)
    lone = pytensor.function([xs, As, g], grad, mode="CVM")
    both = pytensor.function([xs, As, g], [out, grad], mode="CVM")
    assert "BernoulliLogLikGrad" in _op_names(lone) and "BernoulliLogLikAndGrad" in _op_names(both)
    x64, a64 = x.astype(np.float64), a.astype(np.float64)
    expected = weights[:, None] * (x64 - 0.5 * (1 + np.tanh(0.5 * a64)))
    sums, fused = both(x, a, weights)
    for value in (lone(x, a, weights), fused):
        np.testing.assert_allclose(value, expected, rtol=rtol, atol=rtol * np.abs(expected).max())
    np.testing.assert_allclose(sums, (x64 * a64 - np.logaddexp(0, a64)).sum(axis=1), rtol=rtol)
    with pytest.raises(ValueError, match="BernoulliLogLikAndGrad: x, a and g differ in shape"):
        both(x, a, weights[:-1])


def test_bernoulli_log_likelihood_gradient_by_finite_differences():
    from vae_theano.backends.ops import BernoulliLogLik

    rs = np.random.RandomState(2)
    x = rs.uniform(size=(3, 5))
    pytensor.gradient.verify_grad(lambda a: BernoulliLogLik()(x, a), [rs.normal(size=(3, 5))], rng=rs,
                                  mode="CVM")


# -- the formulas and the rewrites that bring the C Ops in -----------------------

def _op_names(f):
    return [type(n.op).__name__ for n in f.maker.fgraph.toposort()]


@pytest.mark.parametrize("mode, c_ops", [("CVM", True), ("FAST_COMPILE", False), ("NUMBA", False)])
def test_formulas_become_c_ops_only_where_c_runs(mode, c_ops):
    """``use_c_loops`` (tagged cxx_only, before PyTensor inlines OpFromGraphs)
    swaps the formulas for the C Ops on C; every other backend gets the inlined
    formula. Either way the numbers are the formula's."""
    from vae_theano.formulas import adam_update, bernoulli_log_likelihood

    rs = np.random.RandomState(3)
    x0 = (rs.uniform(size=(4, 9)) < 0.5).astype("float64")
    a0, w = rs.normal(size=(4, 9)) * 4, rs.normal(size=4)
    x, a = pt.matrix("x"), pt.matrix("a")
    out = bernoulli_log_likelihood(x, a)
    f = pytensor.function([x, a], [out, pytensor.grad((out * w).sum(), a)], mode=mode)
    value, grad = f(x0, a0)
    np.testing.assert_allclose(value, (x0 * a0 - np.logaddexp(0, a0)).sum(axis=1), rtol=1e-13)
    np.testing.assert_allclose(grad, w[:, None] * (x0 - 1 / (1 + np.exp(-a0))), rtol=1e-12)
    names = _op_names(f)
    assert ("BernoulliLogLikAndGrad" in names) == c_ops, names  # both C Ops, fused (fuse_bernoulli)
    assert not any(n.startswith("Bernoulli") for n in names) or c_ops, names

    theta0, m0, v0, g0 = rs.normal(size=(4, 3, 5))
    v0 = np.abs(v0)
    theta, m, v = (pytensor.shared(a.copy()) for a in (theta0, m0, v0))
    g = pt.matrix("g")
    new = adam_update(theta, g, m, v, 0.003, 0.0002, b1=0.95, b2=0.999, epsilon=1e-8)
    step = pytensor.function([g], [], updates=list(zip((theta, m, v), new)), mode=mode)
    step(g0)
    for var, expected in zip((theta, m, v), numpy_adam(theta0, g0, m0, v0, 0.003, 0.0002)):
        np.testing.assert_allclose(var.get_value(), expected, rtol=1e-14)
    assert ("AdamStep" in _op_names(step)) == c_ops
    assert not any("AdamUpdate" in n or "OpFromGraph" in n for n in _op_names(step))


def test_the_model_names_no_backend():
    """The model is the maths: vae.py's code names no C Op, no rewrite, no BLAS, no backend
    kind and no mode. The names are read off the backends' own modules, so none is stale."""
    import ast
    import inspect

    from vae_theano import vae
    from vae_theano.backends import blas, modes, ops, rewrites

    def defined(module):
        tree = ast.parse(inspect.getsource(module))
        return ({n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
                | {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)})

    banned = defined(ops) | defined(rewrites) | defined(blas) | {"ops", "rewrites", "blas", "backend", "runs_c",
                                                                 "JIT_LINKERS", "MODES"}
    assert {"AdamStep", "BernoulliLogLik", "use_c_loops", "configure_blas"} <= banned
    tree = ast.parse(inspect.getsource(vae))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not names & banned, names & banned
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not strings & {*modes.MODES, "cxx_only", "jax", "numba", "c"}


def test_c_update_uses_the_c_loops_and_jax_the_formulas(tiny_binary):
    pytest.importorskip("jax")
    c = VAE(False, 5, 4, 2, tiny_binary, batch_size=10)
    names = _op_names(c.compiled("update"))
    assert {"AdamStep", "BernoulliLogLikAndGrad"} <= set(names)
    assert "BernoulliLogLik" in _op_names(c.compiled("likelihood"))
    jax = VAE(False, 5, 4, 2, tiny_binary, batch_size=10, mode="JAX")
    names = _op_names(jax.compiled("update"))
    assert not any(n.startswith(("Adam", "Bernoulli")) for n in names), names


def test_our_c_ops_leave_subnormal_numbers_alone(tiny_binary):
    """-ffast-math in a shared library turns on flush-to-zero for the whole
    process when it loads (crtfastmath.o); our vector-math flags must not."""
    vae = VAE(False, 5, 4, 2, tiny_binary, batch_size=10)
    assert "BernoulliLogLikAndGrad" in _op_names(vae.compiled("update"))
    assert "BernoulliLogLik" in _op_names(vae.compiled("likelihood"))
    vae.update(0, 1), vae.likelihood(tiny_binary)
    assert np.array([np.finfo(np.float64).tiny]) / 4 > 0
    assert np.array([np.finfo(np.float32).tiny], np.float32) / np.float32(4) > 0
