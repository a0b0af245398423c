"""The rewrites that bring the C Ops of ``ops.py`` into a graph; every ``optdb`` registration
of the package is here, and importing ``vae_theano.backends`` runs them.

- ``use_c_loops`` replaces each formula node of ``vae_theano.formulas`` by the C
  Op that computes it. Tagged ``cxx_only`` (as PyTensor's own BLAS rewrites
  are), so JAX, Numba and the Python linker never run it: they inline the
  formulas instead (PyTensor's ``inline_ofg_expansion``). Position -0.02, just
  before that inlining at -0.01.
- ``fuse_bernoulli`` (tag ``cxx_only``): where a graph computes both
  ``BernoulliLogLik`` and its gradient ``BernoulliLogLikGrad`` of the same x
  and a (a training step), one ``BernoulliLogLikAndGrad`` computes both in one
  pass. Position 47, before PyTensor's elementwise fusion (49), which puts the
  batch size that the gradient's weights need into the node that also
  divides the row sums by it: fused then, the node would need its own output.
- ``adam_step_inplace`` (PyTensor's "inplace" phase, position 50.3) makes each
  ``AdamStep`` write its parameter and moments in place where the destroy
  handler allows it.
- ``drop_broadcast_asserts`` (tag ``jax`` alone, so JAX's mode only, position
  100, after every other rewrite): the runtime checks PyTensor adds where two
  dimensions of unknown length meet in an elementwise operation (x's rows and
  the fed noise's). JAX traces with static shapes, where such a mismatch
  already fails, and its linker drops every ``Assert`` with a warning; we drop
  these first, so a JAX user sees no warning for them.
"""

from pytensor.compile import optdb
from pytensor.graph.rewriting.basic import copy_stack_trace, dfs_rewriter, node_rewriter
from pytensor.graph.traversal import ancestors
from pytensor.raise_op import Assert

from ..formulas import AdamUpdate, BernoulliLogLikelihood, BernoulliLogLikelihoodGrad
from .ops import AdamStep, BernoulliLogLik, BernoulliLogLikAndGrad, BernoulliLogLikGrad


@node_rewriter([AdamUpdate, BernoulliLogLikelihood, BernoulliLogLikelihoodGrad])
def use_c_loops(fgraph, node):
    """Replace a formula of ``vae_theano.formulas`` by the C Op that computes it."""
    op = node.op
    if isinstance(op, AdamUpdate):
        c_op = AdamStep(op.b1, op.b2, op.epsilon)
    else:
        c_op = BernoulliLogLik() if isinstance(op, BernoulliLogLikelihood) else BernoulliLogLikGrad()
    outputs = c_op.make_node(*node.inputs).outputs
    copy_stack_trace(node.outputs, outputs)  # an error in the C loop points at the formula's line
    return outputs


# Before PyTensor inlines every OpFromGraph (``inline_ofg_expansion``, position
# -0.01), and only where C code runs.
optdb.register("use_c_loops", dfs_rewriter(use_c_loops, name="use_c_loops"),
               "fast_run", "cxx_only", position=-0.02)


@node_rewriter([BernoulliLogLikGrad])
def fuse_bernoulli(fgraph, node):
    """BernoulliLogLik(x, a) and BernoulliLogLikGrad(x, a, g) -> one BernoulliLogLikAndGrad(x, a, g),
    unless g depends on the row sums (the fused node would then need its own output)."""
    x, a, g = node.inputs
    for client, _ in fgraph.clients[a]:
        if isinstance(client.op, BernoulliLogLik) and client.inputs[0] == x:
            if client.outputs[0] in ancestors([g]):
                return None
            sums, gradient = BernoulliLogLikAndGrad().make_node(x, a, g).outputs
            copy_stack_trace(client.outputs[0], sums)
            copy_stack_trace(node.outputs[0], gradient)
            return {client.outputs[0]: sums, node.outputs[0]: gradient}
    return None


optdb.register("fuse_bernoulli", dfs_rewriter(fuse_bernoulli, name="fuse_bernoulli"),
               "fast_run", "cxx_only", position=47)


@node_rewriter([AdamStep])
def adam_step_inplace(fgraph, node):
    """Make an AdamStep write theta, m and v in place."""
    op = node.op
    if not op.inplace:
        outputs = AdamStep(op.b1, op.b2, op.epsilon, inplace=True).make_node(*node.inputs).outputs
        copy_stack_trace(node.outputs, outputs)
        return outputs
    return None


optdb.register("adam_step_inplace", dfs_rewriter(adam_step_inplace, name="adam_step_inplace"),
               "fast_run", "inplace", "cxx_only", position=50.3)


@node_rewriter([Assert])
def drop_broadcast_asserts(fgraph, node):
    """Replace a broadcast check (an ``Assert`` PyTensor adds for shapes it cannot prove equal) by its value."""
    if "Could not broadcast dimensions" in node.op.msg:
        return [node.inputs[0]]
    return None


optdb.register("drop_broadcast_asserts", dfs_rewriter(drop_broadcast_asserts, name="drop_broadcast_asserts"),
               "jax", position=100)
