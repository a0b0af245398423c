"""Hand-written C loops for the model's two hot formulas, each with a NumPy ``perform``.

The model writes ``formulas.AdamUpdate`` and ``formulas.BernoulliLogLikelihood``
(and its gradient) in plain PyTensor; on the C backend the rewrites of
``rewrites.py`` swap each of those nodes for an Op of this module that
computes the same numbers.

Why: written symbolically, one Adam update of a 784 x 400 weight matrix becomes
a generic fused elementwise loop that PyTensor does not vectorise, and the
rewriter folds Adam's ``(1 - b1) * g`` into a second copy of the gradient's
matrix product (6 of the 19 GEMMs of a step were such duplicates). ``AdamStep``
takes the gradient once and does the whole update in one contiguous loop that
the C compiler vectorises, writing the parameter and the moments in place:

    m' = b1 m + (1 - b1) g
    v' = b2 v + (1 - b2) g^2
    theta' = theta + coef * m' / (sqrt(v') + epsilon) - decay * theta

The Op is created out of place; the rewrite ``adam_step_inplace`` swaps in the
in-place version where the destroy handler allows it, which is how PyTensor's
own in-place Ops enter a graph.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Apply
from pytensor.link.c.op import COp

from ..formulas import ShapesFromInputs


class _ShapedCOp(ShapesFromInputs, COp):
    """A C Op whose output shapes follow from its inputs' (``output_shapes``)."""


class AdamStep(_ShapedCOp):
    """(theta, g, m, v, coef, decay) -> (theta', m', v'), all of one shape and dtype."""

    __props__ = ("b1", "b2", "epsilon", "inplace")

    def __init__(self, b1, b2, epsilon, inplace=False):
        self.b1, self.b2, self.epsilon = float(b1), float(b2), float(epsilon)
        self.inplace = bool(inplace)
        if self.inplace:
            self.destroy_map = {0: [0], 1: [2], 2: [3]}

    def make_node(self, theta, g, m, v, coef, decay):
        theta, g, m, v = (pt.as_tensor_variable(a) for a in (theta, g, m, v))
        dtype = theta.type.dtype
        coef, decay = (pt.cast(pt.as_tensor_variable(a), dtype) for a in (coef, decay))
        for name, a in (("g", g), ("m", m), ("v", v)):
            if a.type.dtype != dtype or a.type.ndim != theta.type.ndim:
                raise TypeError(f"AdamStep: {name} is {a.type}, theta is {theta.type}")
        if coef.type.ndim or decay.type.ndim:
            raise TypeError("AdamStep: coef and decay must be scalars")
        outputs = [theta.type(), m.type(), v.type()]
        return Apply(self, [theta, g, m, v, coef, decay], outputs)

    def perform(self, node, inputs, outputs):
        theta, g, m, v, coef, decay = inputs
        dtype = theta.dtype.type
        b1, b2, eps = dtype(self.b1), dtype(self.b2), dtype(self.epsilon)
        new_m = b1 * m + (dtype(1) - b1) * g
        new_v = b2 * v + (dtype(1) - b2) * g * g
        new_theta = theta + coef * new_m / (np.sqrt(new_v) + eps) - decay * theta
        for out, value in zip(outputs, (new_theta, new_m, new_v)):
            out[0] = value.astype(theta.dtype, copy=False)

    def output_shapes(self, node, shapes):
        return [shapes[0], shapes[2], shapes[3]]

    def c_compile_args(self, **kwargs):
        # -fno-math-errno lets gcc vectorise sqrt; no -ffast-math: results stay IEEE.
        return ["-O3", "-fno-math-errno"]

    def c_code_cache_version(self):
        return (5,)

    def c_support_code_apply(self, node, name):
        # A function of its own, never inlined: inlined into the generated code
        # (gotos, error paths) gcc does not vectorise the loop. Every pointer is
        # restrict: in place, the loop gets the same arrays as inputs and
        # outputs and reads each element before it writes it, so it is
        # compiled once for each case.
        ctype = {"float32": "npy_float32", "float64": "npy_float64"}[node.inputs[0].type.dtype]
        if self.inplace:
            args, read, write = f"{ctype}* __restrict__ P, {ctype}* __restrict__ M, {ctype}* __restrict__ V", "", ""
        else:
            args = (f"const {ctype}* __restrict__ P, const {ctype}* __restrict__ M, const {ctype}* __restrict__ V, "
                    f"{ctype}* __restrict__ P_out, {ctype}* __restrict__ M_out, {ctype}* __restrict__ V_out")
            read, write = "", "_out"
        return f"""
        static __attribute__((noinline)) void adam_step_{name}(npy_intp n, const {ctype}* __restrict__ G,
                                     {args}, const {ctype} coef, const {ctype} decay)
        {{
            const {ctype} b1 = {self.b1!r}, b2 = {self.b2!r}, eps = {self.epsilon!r};
            for (npy_intp i = 0; i < n; ++i) {{
                const {ctype} gi = G[i], pi = P{read}[i];
                const {ctype} mi = b1 * M[i] + (1 - b1) * gi;
                const {ctype} vi = b2 * V[i] + (1 - b2) * (gi * gi);
                M{write}[i] = mi;
                V{write}[i] = vi;
                P{write}[i] = pi + coef * mi / (sqrt(vi) + eps) - decay * pi;
            }}
        }}
        """

    def c_code(self, node, name, inputs, outputs, sub):
        theta, g, m, v, coef, decay = inputs
        out_theta, out_m, out_v = outputs
        ctype = {"float32": "npy_float32", "float64": "npy_float64"}[node.inputs[0].type.dtype]
        fail = sub["fail"]
        take = "\n".join(self._take_output(src, dst, fail) for src, dst in
                         (("theta_c", out_theta), ("m_c", out_m), ("v_c", out_v)))
        sources = "" if self.inplace else (
            f"(const {ctype}*)PyArray_DATA(theta_c), (const {ctype}*)PyArray_DATA(m_c), "
            f"(const {ctype}*)PyArray_DATA(v_c),")
        return f"""
        {{
            const npy_intp n = PyArray_SIZE({theta});
            if (PyArray_SIZE({g}) != n || PyArray_SIZE({m}) != n || PyArray_SIZE({v}) != n) {{
                PyErr_SetString(PyExc_ValueError, "AdamStep: theta, g, m and v differ in size");
                {fail};
            }}
            PyArrayObject* contiguous[4] = {{NULL, NULL, NULL, NULL}};
            PyArrayObject* sources[4] = {{{g}, {theta}, {m}, {v}}};
            for (int k = 0; k < 4; ++k) {{
                contiguous[k] = PyArray_GETCONTIGUOUS(sources[k]);
                if (!contiguous[k]) {{
                    for (int j = 0; j < k; ++j) Py_DECREF(contiguous[j]);
                    {fail};
                }}
            }}
            PyArrayObject *theta_c = contiguous[1], *m_c = contiguous[2], *v_c = contiguous[3];
            {take}
            adam_step_{name}(n, (const {ctype}*)PyArray_DATA(contiguous[0]), {sources}
                             ({ctype}*)PyArray_DATA({out_theta}), ({ctype}*)PyArray_DATA({out_m}),
                             ({ctype}*)PyArray_DATA({out_v}),
                             (({ctype}*)PyArray_DATA({coef}))[0], (({ctype}*)PyArray_DATA({decay}))[0]);
            for (int k = 0; k < 4; ++k) Py_DECREF(contiguous[k]);
        }}
        """

    def _take_output(self, src, dst, fail):
        """Point dst at the C-contiguous array the loop writes: in place, the
        contiguous source itself; otherwise dst's own buffer when it can hold
        the result without overlapping the source (Scan preallocates it, so a
        step writes straight into its state buffer), else a new array."""
        if self.inplace:
            return f"""
            Py_XDECREF({dst});
            {dst} = {src};
            Py_INCREF({dst});
            """
        return f"""
            {{
                char *lo = PyArray_BYTES({src}), *hi = lo + PyArray_NBYTES({src});
                int reuse = {dst} && PyArray_IS_C_CONTIGUOUS({dst}) && PyArray_TYPE({dst}) == PyArray_TYPE({src})
                            && PyArray_NDIM({dst}) == PyArray_NDIM({src})
                            && PyArray_CompareLists(PyArray_DIMS({dst}), PyArray_DIMS({src}), PyArray_NDIM({src}))
                            && PyArray_ISWRITEABLE({dst})
                            && (PyArray_BYTES({dst}) + PyArray_NBYTES({dst}) <= lo || PyArray_BYTES({dst}) >= hi);
                if (!reuse) {{
                    Py_XDECREF({dst});
                    {dst} = (PyArrayObject*)PyArray_EMPTY(PyArray_NDIM({src}), PyArray_DIMS({src}),
                                                          PyArray_TYPE({src}), 0);
                    if (!{dst}) {{ for (int k = 0; k < 4; ++k) Py_DECREF(contiguous[k]); {fail}; }}
                }}
            }}
            """


# What -ffast-math would give (gcc calls glibc's vectorised exp and log1p, and
# vectorises the row sums; the loops never meet inf or NaN for finite inputs:
# exp(-|a|) lies in (0, 1]) without -ffast-math itself: linked into a shared
# library, it brings crtfastmath.o, which turns on flush-to-zero for the whole
# Python process the moment the module loads (gcc < 13).
_VECTOR_MATH_ARGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fno-signed-zeros",
                     "-fassociative-math", "-ffinite-math-only", "-D__FAST_MATH__"]


def _ctype(node):
    return {"float32": "npy_float32", "float64": "npy_float64"}[node.inputs[1].type.dtype]


class _VectorMathCOp(_ShapedCOp):
    """A Bernoulli Op: inputs x, a (batch, D) [and g (batch,)], outputs of shape (batch,) or
    (batch, D), computed by a loop that calls exp/log1p, compiled so that gcc vectorises it.

    ``c_support_code_apply`` defines the loop ``{loop}_{name}(rows, cols, inputs...,
    outputs...)`` on C-contiguous arrays; ``c_code`` checks the shapes, allocates
    the outputs and calls it.
    """

    loop = None  # the loop function's name, without the node's suffix

    def operands(self, x, a, *g):
        """x, a (matrices) [and g (a vector)] as tensors of a's dtype; TypeError otherwise."""
        a = pt.as_tensor_variable(a)
        x, *g = (pt.cast(pt.as_tensor_variable(v), a.type.dtype) for v in (x, *g))
        if x.type.ndim != 2 or a.type.ndim != 2 or any(v.type.ndim != 1 for v in g):
            raise TypeError(f"{type(self).__name__}: x and a must be matrices" + (", g a vector" if g else ""))
        return [x, a, *g]

    def c_compile_args(self, **kwargs):
        return _VECTOR_MATH_ARGS

    def c_libraries(self, **kwargs):
        return ["m"]  # libm's linker script brings in libmvec

    def c_code(self, node, name, inputs, outputs, sub):
        x, a = inputs[:2]
        ctype, fail, n = _ctype(node), sub["fail"], len(inputs)
        mismatch = " || ".join([f"PyArray_DIMS({x})[0] != PyArray_DIMS({a})[0]",
                                f"PyArray_DIMS({x})[1] != PyArray_DIMS({a})[1]",
                                *(f"PyArray_DIMS({g})[0] != PyArray_DIMS({a})[0]" for g in inputs[2:])])
        names = "x, a and g" if n == 3 else "x and a"
        allocate = "".join(f"""
            Py_XDECREF({out});
            {out} = (PyArrayObject*)PyArray_EMPTY({var.type.ndim}, PyArray_DIMS({a}), PyArray_TYPE({a}), 0);
            if (!{out}) {fail};""" for out, var in zip(outputs, node.outputs))
        arguments = ", ".join([*(f"(const {ctype}*)PyArray_DATA(c[{k}])" for k in range(n)),
                               *(f"({ctype}*)PyArray_DATA({out})" for out in outputs)])
        return f"""
        {{
            if ({mismatch}) {{
                PyErr_SetString(PyExc_ValueError, "{type(self).__name__}: {names} differ in shape");
                {fail};
            }}
            {allocate}
            PyArrayObject* sources[{n}] = {{{", ".join(inputs)}}};
            PyArrayObject* c[{n}];
            for (int k = 0; k < {n}; ++k) {{
                c[k] = PyArray_GETCONTIGUOUS(sources[k]);
                if (!c[k]) {{
                    for (int j = 0; j < k; ++j) Py_DECREF(c[j]);
                    {fail};
                }}
            }}
            {self.loop}_{name}(PyArray_DIMS({a})[0], PyArray_DIMS({a})[1], {arguments});
            for (int k = 0; k < {n}; ++k) Py_DECREF(c[k]);
        }}
        """


def _row_sums(x, a):
    """NumPy: sum_j x a - softplus(a) over each row, in a's dtype."""
    return (x * a - np.logaddexp(0, a)).sum(axis=1).astype(a.dtype)


def _weighted_residuals(x, a, g):
    """NumPy: g (x - sigmoid(a)), row r weighted by g[r], in a's dtype."""
    return (g[:, None] * (x - 0.5 * (1 + np.tanh(0.5 * a)))).astype(a.dtype)


class BernoulliLogLik(_VectorMathCOp):
    """Row sums of x log sigmoid(a) + (1 - x) log(1 - sigmoid(a)) = x a - softplus(a).

    x, a: (batch, D) data in [0, 1] and decoder logits -> (batch,), in nats.
    softplus(a) = max(a, 0) + log1p(exp(-|a|)) never overflows. The C loop is
    compiled so that gcc calls glibc's vectorised exp and log1p (libmvec,
    within 4 ulp; see ``_VECTOR_MATH_ARGS``): the generic fused loop did 28 ns per element.
    Its gradient in a is g (x - sigmoid(a)) (``BernoulliLogLikGrad``).
    """

    __props__ = ()
    loop = "bernoulli_loglik"

    def make_node(self, x, a):
        x, a = self.operands(x, a)
        return Apply(self, [x, a], [pt.vector(dtype=a.type.dtype)])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = _row_sums(*inputs)

    def output_shapes(self, node, shapes):
        return [(shapes[1][0],)]

    def pullback(self, inputs, outputs, cotangents):
        x, a = inputs
        (g,) = cotangents
        return [g.dimshuffle(0, "x") * a, BernoulliLogLikGrad()(x, a, g)]

    def c_code_cache_version(self):
        return (3,)

    def c_support_code_apply(self, node, name):
        ctype = _ctype(node)
        return f"""
        static __attribute__((noinline)) void bernoulli_loglik_{name}(
            npy_intp rows, npy_intp cols, const {ctype}* __restrict__ X,
            const {ctype}* __restrict__ A, {ctype}* __restrict__ out)
        {{
            for (npy_intp r = 0; r < rows; ++r) {{
                const {ctype}* x = X + r * cols;
                const {ctype}* a = A + r * cols;
                {ctype} total = 0;
                for (npy_intp j = 0; j < cols; ++j) {{
                    const {ctype} aj = a[j];
                    total += x[j] * aj - (({ctype})(aj > 0 ? aj : 0) + log1p(exp(-fabs(aj))));
                }}
                out[r] = total;
            }}
        }}
        """


class BernoulliLogLikGrad(_VectorMathCOp):
    """d/da of BernoulliLogLik weighted by g: (x, a (batch, D), g (batch,)) -> g (x - sigmoid(a))."""

    __props__ = ()
    loop = "bernoulli_grad"

    def make_node(self, x, a, g):
        inputs = self.operands(x, a, g)
        return Apply(self, inputs, [inputs[1].type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = _weighted_residuals(*inputs)

    def output_shapes(self, node, shapes):
        return [shapes[1]]

    def c_code_cache_version(self):
        return (4,)

    def c_support_code_apply(self, node, name):
        ctype = _ctype(node)
        return f"""
        static __attribute__((noinline)) void bernoulli_grad_{name}(
            npy_intp rows, npy_intp cols, const {ctype}* __restrict__ X,
            const {ctype}* __restrict__ A, const {ctype}* __restrict__ G, {ctype}* __restrict__ out)
        {{
            for (npy_intp r = 0; r < rows; ++r) {{
                const {ctype} g = G[r];
                const {ctype}* x = X + r * cols;
                const {ctype}* a = A + r * cols;
                {ctype}* o = out + r * cols;
                for (npy_intp j = 0; j < cols; ++j) {{
                    // sigmoid(a) from e = exp(-|a|) in (0, 1]: nothing overflows
                    const {ctype} e = exp(-fabs(a[j]));
                    const {ctype} sigmoid = (a[j] >= 0 ? 1 : e) / (1 + e);
                    o[j] = g * (x[j] - sigmoid);
                }}
            }}
        }}
        """


class BernoulliLogLikAndGrad(_VectorMathCOp):
    """``BernoulliLogLik`` and ``BernoulliLogLikGrad`` of the same x and a in one pass:
    (x, a (batch, D), g (batch,)) -> (row sums (batch,), g (x - sigmoid(a)) (batch, D)).

    The rewrite ``fuse_bernoulli`` puts it where a graph has both (a training
    step). Each element's exp(-|a|) is computed once for the two, and x and a
    are read once: the same formulas as the two Ops, element by element.
    """

    __props__ = ()
    loop = "bernoulli_both"

    def make_node(self, x, a, g):
        inputs = self.operands(x, a, g)
        return Apply(self, inputs, [pt.vector(dtype=inputs[1].type.dtype), inputs[1].type()])

    def perform(self, node, inputs, outputs):
        x, a, g = inputs
        outputs[0][0], outputs[1][0] = _row_sums(x, a), _weighted_residuals(x, a, g)

    def output_shapes(self, node, shapes):
        return [(shapes[1][0],), shapes[1]]

    def c_code_cache_version(self):
        return (2,)

    def c_support_code_apply(self, node, name):
        ctype = _ctype(node)
        return f"""
        static __attribute__((noinline)) void bernoulli_both_{name}(
            npy_intp rows, npy_intp cols, const {ctype}* __restrict__ X, const {ctype}* __restrict__ A,
            const {ctype}* __restrict__ G, {ctype}* __restrict__ sums, {ctype}* __restrict__ out)
        {{
            for (npy_intp r = 0; r < rows; ++r) {{
                const {ctype} g = G[r];
                const {ctype}* x = X + r * cols;
                const {ctype}* a = A + r * cols;
                {ctype}* o = out + r * cols;
                {ctype} total = 0;
                for (npy_intp j = 0; j < cols; ++j) {{
                    const {ctype} aj = a[j];
                    const {ctype} e = exp(-fabs(aj));
                    total += x[j] * aj - (({ctype})(aj > 0 ? aj : 0) + log1p(e));
                    o[j] = g * (x[j] - (aj >= 0 ? 1 : e) / (1 + e));
                }}
                sums[r] = total;
            }}
        }}
        """

