"""Generated tables inside hand-written Markdown: the text between two marker comments, rewritten."""

from .atomic import atomic_write


def replace_block(path, name, text):
    """Rewrite the text between ``<!-- name: begin -->`` and ``<!-- name: end -->`` in the
    Markdown file ``path`` (atomically); a file without both markers is refused, untouched."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    with open(path) as f:
        document = f.read()
    if begin not in document or end not in document:
        raise ValueError(f"{path} has no {begin} ... {end} block to rewrite")
    before, rest = document.split(begin, 1)
    if end not in rest:
        raise ValueError(f"{path}: {end} comes before {begin}")
    after = rest.split(end, 1)[1]
    with atomic_write(path, "w") as f:
        f.write(f"{before}{begin}\n{text}\n{end}{after}")
