"""vae-theano: the Variational Auto-Encoder of Kingma & Welling (2013) on PyTensor."""

from .vae import VAE

__all__ = ["VAE"]
__version__ = "0.1.0"
