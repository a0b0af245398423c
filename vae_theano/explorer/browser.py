"""The explorer page in a headless Chromium: for its screenshot, its benchmark and its tests.

Playwright's Python package (``pip install playwright``) drives a Chromium that is
already on the machine: Debian's ``chromium`` (``apt-get install chromium``), or the
one that ``VAE_THEANO_CHROMIUM`` or ``executable`` names. Nothing is downloaded.
"""

import contextlib
import os
import pathlib
import shutil

from ..files.atomic import atomic_write

CHROMIUM_ENV = "VAE_THEANO_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A closed network: no background connections, no updates, no sync (each would try the network).
FLAGS = ("--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps")
VIEWPORT = {"width": 1400, "height": 1000}


def find_chromium(executable=None):
    """The Chromium to run: ``executable``, else $VAE_THEANO_CHROMIUM, else the first of
    CHROMIUM_NAMES on PATH; None when there is none."""
    executable = executable or os.environ.get(CHROMIUM_ENV)
    if executable:
        return executable if os.path.isfile(executable) else shutil.which(executable)
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def missing():
    """Why the browser cannot run here (one line), or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install playwright)"
    if find_chromium() is None:
        return (f"no Chromium found: install Debian's chromium (apt-get install chromium) "
                f"or set {CHROMIUM_ENV} to one")
    return None


@contextlib.contextmanager
def chromium(executable=None):
    """A headless Chromium (a Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    path = find_chromium(executable)
    if path is None:
        raise FileNotFoundError(missing() or f"{executable}: no such Chromium")
    # Chromium's sandbox refuses to run as root (a container's user).
    flags = list(FLAGS) + (["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=flags)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, path, viewport=VIEWPORT):
    """(page, problems): the page file at ``path`` opened in a new tab of ``browser``, and a
    list that fills with what should never happen there: console errors, uncaught
    exceptions, and any request but the file itself (the page must fetch nothing)."""
    url = pathlib.Path(path).resolve().as_uri()
    page = browser.new_page(viewport=viewport)
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("request", lambda r: r.url != url and problems.append(f"request: {r.url}"))
    page.goto(url)
    return page, problems


def screenshot(path, png, executable=None, actions=None):
    """Save a PNG of the page file at ``path`` after ``actions(page)`` (optional), atomically."""
    with chromium(executable) as browser:
        page, problems = open_page(browser, path)
        if actions:
            actions(page)
        picture = page.screenshot(full_page=True)
    if problems:
        raise RuntimeError(f"{path}: {problems[0]}")
    with atomic_write(png) as f:
        f.write(picture)
    return png
