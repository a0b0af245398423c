"""Numbers that describe a trained model on held-out data."""

import numpy as np


def lower_bound(vae, x, batch_size=1000):
    """The variational lower bound averaged over the rows of x (n, D), in nats per datapoint.

    Evaluated in chunks of ``batch_size`` rows (bounded memory), one fresh
    noise sample per row, as the original's ``likelihood``.
    """
    x = np.asarray(x)
    total = 0.0
    for start in range(0, len(x), batch_size):
        chunk = x[start:start + batch_size]
        total += float(vae.likelihood(chunk)) * len(chunk)
    return total / len(x)
