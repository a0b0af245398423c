"""The test suite on both PyTensor lines: Python 3.11 (PyTensor 3.0) and 3.13 (PyTensor 3.3).

    nox                  # both sessions
    nox -s tests-3.13    # one

Each session installs the package from scratch into a fresh virtual
environment of its interpreter, with whatever PyTensor pip picks for it, and
runs the README's test command. nox finds the interpreters on PATH as
``python3.11`` and ``python3.13`` (with pyenv: ``PYENV_VERSION=3.11.7:3.13.0``).
"""

import nox

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True

TEST_COMMAND = ("python", "-m", "pytest", "-n", "auto")  # as README.md says


@nox.session(python=["3.11", "3.13"])
def tests(session):
    session.install("-e", ".[test]")
    session.run("python", "-c", "import pytensor, numpy, sys; print(f'Python {sys.version.split()[0]}, "
                "PyTensor {pytensor.__version__}, NumPy {numpy.__version__}')")
    session.run(*TEST_COMMAND, *session.posargs)
