"""The rewrites of ``vae_theano.backends.rewrites``, each on a small ``FunctionGraph`` as PyTensor
tests its own (``tests/tensor/rewriting``): what each replaces, what it leaves alone, and the
stack trace it keeps; and every ``output_shapes`` against the shapes its outputs really have."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.rewriting.basic import check_stack_trace, dfs_rewriter
from pytensor.raise_op import Assert

from vae_theano.backends.ops import AdamStep, BernoulliLogLik, BernoulliLogLikAndGrad, BernoulliLogLikGrad
from vae_theano.backends.rewrites import adam_step_inplace, drop_broadcast_asserts, fuse_bernoulli, use_c_loops
from vae_theano.formulas import (AdagradUpdate, AdamUpdate, BernoulliLogLikelihood, BernoulliLogLikelihoodGrad,
                                 adam_update, bernoulli_log_likelihood)


def keeps_trace(fgraph, old, op_type):
    """Whether each output of ``fgraph`` carries the stack trace of the variable it replaced
    (``old``, in the same order), as ``copy_stack_trace`` leaves it, and the ``op_type`` nodes'
    outputs have one: an error there then points at the line that built the formula, not
    only at the rewrite."""
    return check_stack_trace(fgraph, ops_to_check=op_type) and all(
        var.tag.trace and all(trace in new.tag.trace for trace in var.tag.trace)
        for var, new in zip(old, fgraph.outputs, strict=True))


def rewritten(inputs, outputs, rewriter):
    """The FunctionGraph of ``outputs`` after ``rewriter`` ran over it, and its ops' types."""
    fgraph = FunctionGraph(inputs, outputs, clone=False)
    dfs_rewriter(rewriter).rewrite(fgraph)
    return fgraph, [type(node.op) for node in fgraph.toposort()]


def test_use_c_loops_puts_each_formula_in_its_c_op_and_keeps_its_trace():
    theta, g, m, v, x, a = (pt.matrix(name) for name in ("theta", "g", "m", "v", "x", "a"))
    adam = adam_update(theta, g, m, v, pt.scalar("coef"), pt.scalar("decay"), b1=0.9, b2=0.99, epsilon=1e-7)
    sums = bernoulli_log_likelihood(x, a)
    (grad,) = pytensor.grad(sums.sum(), [a], disconnected_inputs="ignore")
    for outputs, c_op in [(list(adam), AdamStep), ([sums], BernoulliLogLik)]:
        fgraph, ops = rewritten(pytensor.graph.traversal.graph_inputs(outputs), outputs, use_c_loops)
        assert c_op in ops and not {AdamUpdate, BernoulliLogLikelihood} & set(ops)
        assert keeps_trace(fgraph, outputs, c_op)
    [step] = [n for n in rewritten([theta, g, m, v, *adam[0].owner.inputs[4:]], list(adam), use_c_loops)[0].toposort()
              if isinstance(n.op, AdamStep)]
    assert (step.op.b1, step.op.b2, step.op.epsilon, step.op.inplace) == (0.9, 0.99, 1e-7, False)
    fgraph, ops = rewritten([x, a], [grad], use_c_loops)
    assert BernoulliLogLikGrad in ops and BernoulliLogLikelihoodGrad not in ops
    assert keeps_trace(fgraph, [grad], BernoulliLogLikGrad)
    plain = pt.exp(x) + a  # no formula: nothing to replace
    assert rewritten([x, a], [plain], use_c_loops)[0].outputs == [plain]


def test_fuse_bernoulli_computes_the_sums_and_the_gradient_in_one_pass():
    x, a, g = pt.matrix("x"), pt.matrix("a"), pt.vector("g")
    sums, grad = BernoulliLogLik()(x, a), BernoulliLogLikGrad()(x, a, g)
    fgraph, ops = rewritten([x, a, g], [sums, grad], fuse_bernoulli)
    assert ops == [BernoulliLogLikAndGrad]
    assert keeps_trace(fgraph, [sums, grad], BernoulliLogLikAndGrad)
    # Not where the gradient's weights need the sums (the fused node would need its own
    # output), nor for another x.
    depends = BernoulliLogLikGrad()(x, a, BernoulliLogLik()(x, a) * 2)
    assert BernoulliLogLikAndGrad not in rewritten([x, a], [depends], fuse_bernoulli)[1]
    y = pt.matrix("y")
    other = BernoulliLogLikGrad()(y, a, g)
    assert BernoulliLogLikAndGrad not in rewritten([x, y, a, g], [BernoulliLogLik()(x, a), other], fuse_bernoulli)[1]


def test_adam_step_inplace_makes_the_step_write_its_inputs():
    inputs = [pt.matrix(name) for name in ("theta", "g", "m", "v")] + [pt.scalar("coef"), pt.scalar("decay")]
    outputs = AdamStep(0.95, 0.999, 1e-8)(*inputs)
    fgraph, _ = rewritten(inputs, outputs, adam_step_inplace)
    [step] = fgraph.toposort()
    assert step.op.inplace and step.op.destroy_map == {0: [0], 1: [2], 2: [3]}
    assert keeps_trace(fgraph, outputs, AdamStep)


def test_drop_broadcast_asserts_drops_only_the_broadcast_checks():
    x = pt.vector("x")
    broadcast = Assert("Could not broadcast dimensions")(x, pt.eq(x.shape[0], 3))
    other = Assert("x must be positive")(x, pt.all(x > 0))
    fgraph, ops = rewritten([x], [broadcast + other], drop_broadcast_asserts)
    asserts = [n.op.msg for n in fgraph.toposort() if isinstance(n.op, Assert)]
    assert asserts == ["x must be positive"]


SHAPES = (5, 4)


def formula_inputs(op):
    """Numeric inputs for ``op``: matrices of SHAPES, a vector of the rows where the op takes
    the row sums' gradient, scalars for step sizes."""
    rs = np.random.RandomState(0)
    matrix, vector, scalar = (lambda: rs.uniform(size=SHAPES)), (lambda: rs.normal(size=SHAPES[0])), \
        (lambda: np.float64(0.01))
    kinds = {AdamUpdate: "mmmmss", AdamStep: "mmmmss", AdagradUpdate: "mmmss", BernoulliLogLikelihood: "mm",
             BernoulliLogLik: "mm", BernoulliLogLikelihoodGrad: "mmv", BernoulliLogLikGrad: "mmv",
             BernoulliLogLikAndGrad: "mmv"}[type(op)]
    return [{"m": matrix, "v": vector, "s": scalar}[k]() for k in kinds]


@pytest.mark.parametrize("op", [AdamUpdate(b1=0.95, b2=0.999, epsilon=1e-8), AdagradUpdate(epsilon=1e-8),
                                BernoulliLogLikelihood(), BernoulliLogLikelihoodGrad(),
                                AdamStep(0.95, 0.999, 1e-8), BernoulliLogLik(), BernoulliLogLikGrad(),
                                BernoulliLogLikAndGrad()], ids=lambda op: type(op).__name__)
def test_output_shapes_are_the_outputs_shapes(op):
    values = formula_inputs(op)
    inputs = [pt.tensor(dtype="float64", shape=(None,) * np.ndim(v)) for v in values]
    outputs = op(*inputs)
    node = (outputs[0] if isinstance(outputs, (list, tuple)) else outputs).owner  # a formula builds its node on call
    computed = pytensor.function(inputs, node.outputs, mode="FAST_COMPILE")(*values)
    inferred = op.infer_shape(None, node, [np.shape(v) for v in values])
    assert [tuple(int(d) for d in shape) for shape in inferred] == [np.shape(c) for c in computed]
