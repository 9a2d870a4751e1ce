"""The ``outreach-bot`` command's entry point, apart from :mod:`outreach_bot.cli` so that it
runs before any heavy import.

Starting the server imports about 900 modules, which allocate hundreds of thousands of objects
that live as long as the process. Python's cyclic garbage collector runs every few hundred
allocations and walks the young objects, and every few of those runs, all of them: over a
start that added up to a quarter of the time. So the command starts with the collector
paused; once the server listens (or, for the other commands, once their arguments are read),
:func:`resume_garbage_collection` moves everything loaded so far out of the collector's sight
(``gc.freeze``: it will never be garbage) and turns it back on for the rest of the process's
life, where it then walks only what serving allocates.
"""

from __future__ import annotations

import gc


def main() -> int:
    """Run the command line with the collector paused until start-up is over."""
    gc.disable()
    from outreach_bot.cli import main as command  # noqa: PLC0415 - after gc.disable()

    return command()


def resume_garbage_collection() -> None:
    """Freeze what start-up loaded and turn the collector back on, if :func:`main` paused it.

    A process that did not start through :func:`main` (the tests, which call the command line
    in-process) keeps its collector as it was.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
