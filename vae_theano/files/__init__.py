"""The file helpers that the data sets, the model's persistence and the runs share.

- ``atomic``: write a file so that a crash never leaves a half-written one
  (``atomic_write``, and ``write_csv`` on top of it);
- ``safe_pickle``: read pickles that hold NumPy arrays, refusing any that would run code.

Nothing here imports the rest of the package.
"""
