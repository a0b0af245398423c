"""How a model's functions are compiled, kept and fed: one cache per model, the scan that
runs many training steps in one call, and the noise.

``vae.py`` says what each function computes (``VAE.create_gradientfunctions``: its
inputs and its graph, from the symbolic ``encoder``, ``sampler``, ``decoder``,
``lower_bound`` and ``get_updates``); this module builds and keeps them:

- ``ModelFunctions``: ``vae.compiled(name)``, every compiled function of one model, each
  built on its first use with the model's floatX (and the compile notice); the paper's
  and the estimators' own functions (``evaluate``'s log-weights, HMC's log-joint) are kept
  in the same cache, by name.
- ``build_update_batches``: ``update_batches``, a ``scan`` of update's step.
- ``noise``: the sampler's eps, drawn on the host from the model's noise generator, so
  that every backend sees the same draws.
"""

import pytensor
import pytensor.tensor as pt
from pytensor.graph.replace import clone_replace

from .backends import announce_compilation, scan_mode, step_scan


class ModelFunctions:
    """The compiled functions of one model: ``functions(name)`` returns function ``name``,
    built on first use by ``builders[name]()`` (or by ``build()`` for a name the model does
    not define: an estimator's or a baseline's own function) and kept."""

    def __init__(self, vae, builders):
        self.vae, self.builders, self.functions = vae, builders, {}

    def __call__(self, name, build=None):
        if name not in self.functions:
            with pytensor.config.change_flags(floatX=self.vae.dtype), announce_compilation():
                self.functions[name] = (build or self.builders[name])()
        return self.functions[name]


def build_update_batches(vae):
    """Compile update_batches(batches, eps, epoch): a ``scan`` of update's step over a vector
    of batch indices (or, on JAX, of row blocks), one call for many steps.

    The parameters, Adam moments (and t) are the scan's recurrent state: the step's graph
    is update's graph with each shared variable replaced by its value from the previous
    step, and the last values go back into the shared variables when the call ends.
    Returns the bound of every step. On C the state lives in the shared variables' own
    buffers, updated in place step after step (``backends.scan_mode``).
    """
    state = [*vae.params.values(), *(vae.m.values() if vae.optimizer == "adam" else ()), *vae.v.values()]
    if vae.bias_correction == "step" and vae.optimizer == "adam":
        state.append(vae.t)
    epoch = pt.scalar("epoch")
    eps = pt.tensor3("eps") if vae.n_samples == 1 else pt.tensor4("eps")
    batches = vae.rows.sequence()

    def step(i, *previous_then_inputs):
        previous = previous_then_inputs[:len(state)]
        bound = vae.lower_bound(vae.rows.rows_of(batches[i]), eps[i])
        updates = vae.get_updates(pytensor.grad(bound.logpx, list(vae.params.values())), epoch)
        return clone_replace([bound.logpx, *(updates[var] for var in state)], replace=dict(zip(state, previous)))

    # One sequence, the step numbers (JAX needs every slice static); the step takes its
    # batch and its noise by index.
    outputs = step_scan(vae.mode, step, sequences=[pt.arange(batches.shape[0])], outputs_info=[None, *state],
                        non_sequences=[batches, eps, epoch], return_updates=False, name="update_batches")
    bounds, finals = outputs[0], outputs[1:]
    return pytensor.function([batches, eps, epoch], bounds, mode=scan_mode(vae.mode), name="update_batches",
                             updates=[(var, final[-1]) for var, final in zip(state, finals)],
                             on_unused_input="ignore")  # epoch, under "step"


def noise(vae, *shape):
    """eps ~ N(0, I) of shape (*shape, n_latent), in the model's dtype, drawn from its noise
    generator ``vae.srng`` (whose state advances)."""
    return vae.srng.get_value(borrow=True).normal(0.0, 1.0, size=(*shape, vae.n_latent)).astype(vae.dtype)


def bound_noise(vae, rows, *steps):
    """The training bound's noise for ``rows`` rows: (*steps, [L,] rows, n_latent), L the
    model's n_samples when above 1."""
    return noise(vae, *steps, *(() if vae.n_samples == 1 else (vae.n_samples,)), rows)
