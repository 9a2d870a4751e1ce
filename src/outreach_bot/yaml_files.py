"""Reading the project's YAML (``bot/`` content, ``nlu/`` data) with PyYAML's C parser.

The content is read at every start: PyYAML's pure-Python parser took 0.3 s of it, libyaml's
(bundled in PyYAML's wheels) takes a tenth of that and builds the same values. Both are safe
loaders: plain data only, never objects.
"""

from __future__ import annotations

from typing import IO, Any, Final

import yaml

# A PyYAML built without libyaml (from source, on an odd platform) falls back to Python.
SAFE_LOADER: Final[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def safe_load(stream: str | IO[str]) -> Any:
    """Parse one YAML document into plain Python values, as ``yaml.safe_load`` does."""
    return yaml.load(stream, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader, see above
