"""Parse JSON from outside (a webhook body, a typed button payload) without ever crashing.

``json.loads`` can fail in more ways than ``JSONDecodeError``: undecodable bytes
(``UnicodeDecodeError``), an integer over 4,300 digits (a plain ``ValueError`` from Python's
int/str conversion limit), deep nesting (``RecursionError``). It also accepts lone surrogates
(``"\\ud800"``), which are not text: they fail later, when the string is encrypted, written to
the database or sent on. :func:`parse_json` turns every failure into one
:class:`InvalidInputError`, so each caller has a single case to answer with a 400.

Lone surrogates are replaced, not refused: a young person cannot type one, but a chat widget that
cuts a message in the middle of an emoji sends one, and the message must still get through. Each
becomes U+FFFD, the replacement character browsers show for broken text.
"""

from __future__ import annotations

import json
from typing import Any, Final

from outreach_bot.domain.errors import InvalidInputError

MAX_DEPTH: Final = 32
"""Deepest nesting accepted. A Telegram update, our deepest real body, uses about ten levels."""


def parse_json(raw: bytes | str) -> Any:
    """The JSON value in ``raw``, with lone surrogates replaced by U+FFFD.

    Raises:
        InvalidInputError: not UTF-8, not JSON, a number too long to convert, or nesting deeper
            than :data:`MAX_DEPTH`. The message says which, never what was sent.
    """
    try:
        value = json.loads(raw)
    except UnicodeDecodeError as error:
        raise InvalidInputError("the body must be UTF-8 text") from error
    except RecursionError as error:
        raise InvalidInputError(f"JSON nested deeper than {MAX_DEPTH} levels") from error
    except json.JSONDecodeError as error:
        raise InvalidInputError("the body must be JSON") from error
    except ValueError as error:  # int("9" * 5000) past sys.get_int_max_str_digits()
        raise InvalidInputError("a number in the JSON is too long") from error
    return _clean(value, 0)


def _clean(value: Any, depth: int) -> Any:
    """``value`` with every string made encodable; raises past :data:`MAX_DEPTH`."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list | dict):
        if depth >= MAX_DEPTH:
            raise InvalidInputError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, list):
            return [_clean(item, depth + 1) for item in value]
        return {_text(key): _clean(item, depth + 1) for key, item in value.items()}
    return value


def _text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A pair that was split in two escapes joins again; a lone half becomes U+FFFD.
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value
