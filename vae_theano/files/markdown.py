"""Generated tables inside hand-written Markdown: the text between two marker comments, rewritten."""

from .atomic import atomic_write


def replace_blocks(path, blocks):
    """Rewrite, for each ``name: text`` of ``blocks``, the text between ``<!-- name: begin -->``
    and ``<!-- name: end -->`` in the Markdown file ``path``, in one atomic write; a file
    without every pair of markers, in order, is refused untouched."""
    with open(path) as f:
        document = f.read()
    for name, text in blocks.items():
        begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
        if begin not in document or end not in document:
            raise ValueError(f"{path} has no {begin} ... {end} block to rewrite")
        before, rest = document.split(begin, 1)
        if end not in rest:
            raise ValueError(f"{path}: {end} comes before {begin}")
        after = rest.split(end, 1)[1]
        document = f"{before}{begin}\n{text}\n{end}{after}"
    with atomic_write(path, "w") as f:
        f.write(document)
