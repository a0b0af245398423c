"""A figure's CSV kept model by model: a run's rows in place of the same models' rows.

A run over some of a figure's models (``--datasets``, ``--latents``, ``--methods``,
``--train-sizes``) writes a CSV of those models only. ``merge`` puts its rows into the
figure's CSV of record (``examples/results/figure2.csv``, ``figure3.csv``): every model in
the run's CSV replaces all of that model's rows, every other model keeps its own, and the
rows are sorted as one run over every model would write them (figure 2: data set in the
order of ``settings.FIGURE2``, N_z, method, samples; figure 3: training-set size, method,
samples).
"""

import os

from ..files.atomic import read_csv, write_csv
from . import figure2, figure3, settings


def _method(row):
    return settings.METHODS.index(row["method"])


# file name: (its columns, the columns that name one model, the order of the rows)
FIGURES = {
    "figure2.csv": (figure2.FIELDS, ("dataset", "n_z", "method"),
                    lambda r: (list(settings.FIGURE2).index(r["dataset"]), r["n_z"], _method(r), r["samples"])),
    "figure3.csv": (figure3.FIELDS, ("train_size", "method"),
                    lambda r: (r["train_size"], _method(r), r["samples"])),
}


def merge(run_csv, into):
    """Merge the rows of ``run_csv`` into ``into`` (created if missing), a figure's CSV named as
    the figure writes it (figure2.csv, figure3.csv); returns the models merged, sorted. A run
    CSV whose columns are not that figure's, or with a row of no model of it, is refused
    before ``into`` changes."""
    name = os.path.basename(into)
    if name not in FIGURES:
        raise ValueError(f"can merge only into {' or '.join(FIGURES)}, not {into}")
    fields, model, order = FIGURES[name]
    new = read_csv(run_csv)
    old = read_csv(into) if os.path.exists(into) else []
    for path, rows in ((run_csv, new), (into, old)):
        columns = tuple(rows[0]) if rows else fields
        if columns != fields:
            raise ValueError(f"{path} has the columns {', '.join(columns)}; {name} needs {', '.join(fields)}")
        for row in rows:
            try:
                order(row)
            except (ValueError, TypeError):
                raise ValueError(f"{path}: a row of no model of the figure: "
                                 f"{', '.join(str(row[k]) for k in model)}") from None
    if not new:
        raise ValueError(f"{run_csv} has no rows to merge")
    merged = {tuple(r[k] for k in model) for r in new}
    rows = [r for r in old if tuple(r[k] for k in model) not in merged] + new
    write_csv(sorted(rows, key=order), fields, into)
    return sorted(merged, key=lambda m: order(dict(zip(model, m), samples=0)))
