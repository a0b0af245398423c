"""Generated tables inside hand-written Markdown: the text between two marker comments, rewritten."""

from .atomic import atomic_write


def check_blocks(path, names):
    """Refuse (ValueError, one line) a Markdown file ``path`` without every block of ``names``,
    ``<!-- name: begin -->`` before ``<!-- name: end -->``; returns its text."""
    with open(path) as f:
        document = f.read()
    for name in names:
        begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
        if begin not in document or end not in document:
            raise ValueError(f"{path} has no {begin} ... {end} block to rewrite")
        if end not in document.split(begin, 1)[1]:
            raise ValueError(f"{path}: {end} comes before {begin}")
    return document


def replace_blocks(path, blocks):
    """Rewrite, for each ``name: text`` of ``blocks``, the text between ``<!-- name: begin -->``
    and ``<!-- name: end -->`` in the Markdown file ``path``, in one atomic write; a file
    without every pair of markers, in order, is refused untouched."""
    document = check_blocks(path, blocks)
    for name, text in blocks.items():
        begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
        before, rest = document.split(begin, 1)
        after = rest.split(end, 1)[1]
        document = f"{before}{begin}\n{text}\n{end}{after}"
    with atomic_write(path, "w") as f:
        f.write(document)
