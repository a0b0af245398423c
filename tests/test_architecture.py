"""The package's layers: every import goes down a layer (or stays in its part), and none runs in a circle."""

import ast
import inspect
import os

import pytest

import vae_theano
from vae_theano import vae

PACKAGE = os.path.dirname(vae_theano.__file__)

# Top to bottom; a module may import from its own part and from the parts below it.
LAYERS = [
    ["paper", "pretrained", "explorer"],
    ["runs"],
    ["vae", "__init__"],
    ["backends", "functions", "datasets", "plots", "latent", "evaluate", "persistence"],
    ["formulas", "validation", "options"],
    ["files"],
]


def modules():
    """{"runs.training": path, ...} for every module of the package."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, PACKAGE)[:-3].replace(os.sep, ".")
                found[dotted.removesuffix(".__init__") if dotted != "__init__" else dotted] = path
    return found


def imports(dotted, path):
    """The package's modules that ``dotted`` imports (absolute names without the package)."""
    package = dotted.split(".")[:-1] if not path.endswith("__init__.py") else dotted.split(".")
    if dotted == "__init__":
        package = []
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("vae_theano"):
                target = node.module[len("vae_theano."):] if node.module != "vae_theano" else ""
            else:
                continue
            found |= {f"{target}.{a.name}".strip(".") for a in node.names}
            found.add(target)
        elif isinstance(node, ast.Import):
            found |= {a.name[len("vae_theano."):] for a in node.names if a.name.startswith("vae_theano.")}
    known = modules()
    return {t for t in found if t in known and t != dotted}


def layer(dotted):
    part = dotted.split(".")[0]
    return next(i for i, parts in enumerate(LAYERS) if part in parts)


def test_every_module_has_a_layer():
    assert {layer(m) for m in modules()} <= set(range(len(LAYERS)))


@pytest.mark.parametrize("dotted", sorted(modules()))
def test_no_import_runs_back_up_a_layer(dotted):
    upward = [t for t in imports(dotted, modules()[dotted]) if t and layer(t) < layer(dotted)]
    assert not upward, f"{dotted} imports {upward}, above it"


def test_no_import_circle():
    graph = {m: imports(m, p) for m, p in modules().items()}
    graph.pop("__init__")  # the package's face: it imports the model, nothing imports it by name
    for deps in graph.values():
        deps.discard("")
        deps.discard("__init__")
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", " -> ".join(trail + [node])
        state[node] = "open"
        for dep in graph.get(node, ()):
            visit(dep, trail + [node])
        state[node] = "done"

    for node in graph:
        visit(node, [])


def test_the_model_never_imports_the_paper_or_the_runs():
    for dotted, path in modules().items():
        if layer(dotted) >= layer("vae"):
            assert not {t for t in imports(dotted, path) if t.split(".")[0] in ("paper", "runs")}, dotted


def test_the_vae_class_stays_readable():
    lines, _ = inspect.getsourcelines(vae.VAE)
    assert len(lines) <= 350
