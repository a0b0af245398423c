"""Our figures 2 and 3 held against the paper's own curves: a Markdown table per figure.

    python examples/paper_comparison.py                                  # examples/results
    python examples/paper_comparison.py --results runs/figure2 --draw    # and redraw the PNGs
    python examples/paper_comparison.py --update REPRODUCTION.md         # rewrite its tables

Reads figure2.csv and figure3.csv (as paper_figure2.py and paper_figure3.py
write them) from --results, and the paper's curves (vae_theano/paper/published,
read off the PDF's vector graphics, +-1 nat). Each row is one curve (panel,
method, train or test): ours / the paper's and ours minus the paper's at each
of --at samples, and at the furthest point we reached. Values between points
are interpolated on the figure's own x axis (log for figure 2, and for our
figure 3; linear for the paper's figure 3); "-" where a curve does not reach.
With --draw, figure2.png and figure3.png are redrawn from the CSVs with the
paper's curves faint behind ours.
"""

import argparse
import math
import os

from vae_theano.files.atomic import read_csv
from vae_theano.files.markdown import replace_block
from vae_theano.paper import figure2, figure3, settings
from vae_theano.paper.published_curves import (figure2_curves, figure3_curves, points_header, report_interval,
                                               reported_like_paper, signed_cell, value_at)
from vae_theano.runs.cli import cli

BLOCK = "paper-comparison"  # REPRODUCTION.md's <!-- paper-comparison: begin --> ... end -->


def cell(ours, paper):
    """A cell "ours / the paper's (the difference)", nats; "-" where either is unknown (NaN)."""
    if math.isnan(ours) or math.isnan(paper):
        return "-"
    return f"{ours:.1f} / {paper:.1f} ({ours - paper:+.1f})"


def table(title, curves, points, paper_log_axis):
    """Markdown rows: curves {(panel, method): {part: ((samples, values) ours, (samples, values) paper)}}."""
    head = points_header(points)
    lines = [f"**{title}** (ours / the paper's (difference), nats)", "",
             f"| panel | method | part | {head} | furthest we reached |",
             "|---|---|---|" + "---|" * len(points) + "---|"]
    for (panel, method), parts in curves.items():
        for part in ("train", "test"):
            if part not in parts:
                continue
            (ours_x, ours_y), (paper_x, paper_y) = parts[part]
            cells = [cell(value_at(ours_x, ours_y, p), value_at(paper_x, paper_y, p, paper_log_axis))
                     for p in points]
            last = ours_x[-1]
            furthest = f"{last:.2g}: " + cell(ours_y[-1], value_at(paper_x, paper_y, last, paper_log_axis))
            lines.append(f"| {panel} | {method} | {part} | " + " | ".join(cells) + f" | {furthest} |")
    return "\n".join(lines)


def figure2_table(rows, points):
    paper = figure2_curves()
    curves = {}
    for (name, n_z, method) in sorted({(r["dataset"], r["n_z"], r["method"]) for r in rows}):
        mine = sorted((r for r in rows if (r["dataset"], r["n_z"], r["method"]) == (name, n_z, method)),
                      key=lambda r: r["samples"])
        published = paper.get((name, n_z, method), {})
        curves[f"{settings.TITLES[name]} N_z={n_z}", method] = {
            part: (([r["samples"] for r in mine], [r[f"{part}_bound"] for r in mine]), published[part])
            for part in ("train", "test") if part in published}
    return table("Figure 2: the lower bound", curves, points, paper_log_axis=True)


def reporting_table(rows, points):
    """Figure 2's training curves as the paper's loop reported them (the mean of the minibatch
    bounds since the previous report, ``published_curves.reported_like_paper``) at each
    point, with the paper's spacing of reports, against our epoch means: how much of each gap to the
    paper that convention accounts for."""
    paper = figure2_curves()
    head = points_header(points)
    lines = ["**Figure 2's training curves, reported as the paper's loop did** (ours minus the paper's, "
             "nats: our epoch means / ours as the paper's loop would have reported them; the interval "
             "between reports in samples)", "",
             f"| panel | method | interval | {head} |", "|---|---|---|" + "---|" * len(points)]
    for (name, n_z, method) in sorted({(r["dataset"], r["n_z"], r["method"]) for r in rows}):
        if (name, n_z, method) not in paper:
            continue
        mine = sorted((r for r in rows if (r["dataset"], r["n_z"], r["method"]) == (name, n_z, method)),
                      key=lambda r: r["samples"])
        samples, bounds = [r["samples"] for r in mine], [r["train_bound"] for r in mine]
        paper_x, paper_y = paper[name, n_z, method]["train"]
        interval = report_interval(paper_x)
        cells = []
        for p in points:
            theirs, ours = value_at(paper_x, paper_y, p), value_at(samples, bounds, p)
            as_paper = reported_like_paper(samples, bounds, [p], interval)[0] if p <= samples[-1] else math.nan
            cells.append(signed_cell(ours - theirs, as_paper - theirs))
        lines.append(f"| {settings.TITLES[name]} N_z={n_z} | {method} | {interval:.2g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figure3_table(rows, points):
    paper = figure3_curves()
    curves = {}
    for size, method in sorted({(r["train_size"], r["method"]) for r in rows}):
        mine = sorted((r for r in rows if (r["train_size"], r["method"]) == (size, method)), key=lambda r: r["samples"])
        published = paper.get((size, method), {})
        curves[f"N_train={size:,}", method] = {
            part: (([r["samples"] for r in mine], [r[f"{part}_loglik"] for r in mine]), published[part])
            for part in ("train", "test") if part in published}
    return table("Figure 3: the marginal log-likelihood (appendix D's estimator)", curves, points,
                 paper_log_axis=False)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--results", default="examples/results", help="folder holding figure2.csv and/or figure3.csv")
    p.add_argument("--at", default="1e6,3e6,1e7", help="comma-separated sample counts to compare at")
    p.add_argument("--draw", action="store_true", help="redraw figure2.png and figure3.png there from the CSVs")
    p.add_argument("--update", default=None,
                   help=f"a Markdown file whose <!-- {BLOCK}: begin --> ... end --> block becomes the tables")
    args = p.parse_args(argv)
    try:
        points = [float(x) for x in args.at.split(",")]
    except ValueError:
        raise ValueError(f"--at must be numbers, got {args.at!r}") from None
    tables = []
    path2, path3 = (os.path.join(args.results, f"figure{n}.csv") for n in (2, 3))
    if os.path.exists(path2):
        rows = read_csv(path2)
        tables += [figure2_table(rows, points), reporting_table(rows, points)]
        if args.draw:
            datasets = [d for d in settings.FIGURE2 if any(r["dataset"] == d for r in rows)]
            figure2.plot(rows, datasets, settings.FIGURE2_METHODS, os.path.join(args.results, "figure2.png"))
    if os.path.exists(path3):
        rows = read_csv(path3)
        tables.append(figure3_table(rows, points))
        if args.draw:
            sizes = sorted({r["train_size"] for r in rows})
            figure3.plot(rows, sizes, os.path.join(args.results, "figure3.png"))
    if not tables:
        raise FileNotFoundError(f"{args.results} holds neither figure2.csv nor figure3.csv")
    text = "\n\n".join(tables)
    if args.update:
        replace_block(args.update, BLOCK, text)
        print(f"wrote the tables into {args.update}")
    else:
        print(text)
    return text


if __name__ == "__main__":
    cli(main)
