"""A figure's CSV kept model by model: a run's rows in place of the same models' rows.

A run over some of a figure's models (``--datasets``, ``--latents``, ``--methods``,
``--train-sizes``) writes a CSV of those models only. ``merged`` puts its rows into the
figure's CSV of record (``examples/results/figure2.csv``, ``figure3.csv``): every model in
the run's CSV replaces all of that model's rows, every other model keeps its own, and the
rows are sorted as one run over every model would write them (figure 2: data set in the
order of ``settings.FIGURE2``, N_z, method, samples; figure 3: training-set size, method,
samples).
"""

import os

from ..files.atomic import read_csv, write_csv
from . import figure2, figure3, settings

# file name: (its columns, the columns that name one model, the order of the rows: numbers
# only, raising ValueError for a row of no model of the figure)
FIGURES = {
    "figure2.csv": (figure2.FIELDS, ("dataset", "n_z", "method"),
                    lambda r: (list(settings.FIGURE2).index(r["dataset"]),
                               settings.FIGURE2[r["dataset"]]["latents"].index(r["n_z"]),
                               settings.FIGURE2_METHODS.index(r["method"]), r["samples"])),
    "figure3.csv": (figure3.FIELDS, ("train_size", "method"),
                    lambda r: (r["train_size"], settings.METHODS.index(r["method"]), r["samples"])),
}


def merged(run_csv, into, current=None):
    """The rows of ``into`` (a figure's CSV named as the figure writes it, figure2.csv or
    figure3.csv; none if missing), or ``current`` in its place (a merge not yet written), with
    those of ``run_csv``'s models replaced by ``run_csv``'s, in the figure's order, and the
    models replaced: (rows, [model, ...]). A run CSV whose columns are not that figure's,
    or with a row of no model of it, is refused (ValueError, one line); nothing is written."""
    name = os.path.basename(into)
    if name not in FIGURES:
        raise ValueError(f"can merge only into {' or '.join(FIGURES)}, not {into}")
    fields, model, order = FIGURES[name]
    new = read_csv(run_csv)
    old = current if current is not None else read_csv(into) if os.path.exists(into) else []
    for path, rows in ((run_csv, new), (into, old)):
        columns = tuple(rows[0]) if rows else fields
        if columns != fields:
            raise ValueError(f"{path} has the columns {', '.join(columns)}; {name} needs {', '.join(fields)}")
        for row in rows:
            try:
                numbers = all(isinstance(v, (int, float)) for v in order(row))
            except ValueError:
                numbers = False
            if not numbers:
                raise ValueError(f"{path}: a row of no model of {name} (or without a number of samples): "
                                 f"{', '.join(str(row[k]) for k in model + ('samples',))}")
    if not new:
        raise ValueError(f"{run_csv} has no rows to merge")
    models = {tuple(r[k] for k in model) for r in new}
    rows = [r for r in old if tuple(r[k] for k in model) not in models] + new
    return sorted(rows, key=order), sorted(models, key=lambda m: order(dict(zip(model, m), samples=0)))


def write(rows, into):
    """A figure's rows (``merged``'s) written to its CSV ``into``, atomically."""
    write_csv(rows, FIGURES[os.path.basename(into)][0], into)
