"""Training runs and their files, above the model: one folder per run.

- ``config``: ``RunConfig``, one run's configuration (the defaults written once);
- ``folder``: one writer per run folder (an OS lock), crash debris cleared;
- ``checkpoint``: all a run needs to continue exactly, and ``load_run``;
- ``methods``: the protocol of a training method, and AEVB;
- ``training``: the original ``run.py``'s loop, resumable and guarded;
- ``sweep``: many independent runs as tasks, here or on Dask distributed;
- ``cli``: what the example scripts share (flags, one-line errors, pictures).
"""
