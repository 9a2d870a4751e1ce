"""The `outreach-bot nlu predict|evaluate` commands, called by :mod:`outreach_bot.cli`.

Both commands score a backend exactly as the bot would use it, except that the
Rasa backend gets no fallback here: a benchmark of Rasa must never quietly
measure the embedded classifier instead.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from outreach_bot.nlu.base import NluBackend, Prediction
from outreach_bot.nlu.data import NluDataError
from outreach_bot.nlu.evaluation import evaluate_file, predict_lines

if TYPE_CHECKING:
    from outreach_bot.config import Settings

logger = logging.getLogger(__name__)


class RasaDidNotAnswerError(RuntimeError):
    """Rasa failed during a `nlu` command, where no fallback is wanted."""


class _NoFallback:
    """Stands in for RasaNlu's fallback backend and fails loudly instead of answering."""

    name = "none"

    async def parse(self, text: str) -> Prediction:
        raise RasaDidNotAnswerError("the Rasa server did not answer (is `make rasa` running?)")


@asynccontextmanager
async def open_backend(
    settings: Settings, *, backend: str, train: Path | None
) -> AsyncIterator[NluBackend]:
    """Build the backend a `nlu` command scores, and close it afterwards.

    Raises:
        NluDataError: the training data cannot be read.
        ValueError: ``--train`` was given for the Rasa backend, whose model lives in Rasa.
    """
    if backend == "rasa":
        if train is not None:
            raise ValueError("--train applies to the embedded backend; Rasa trains on nlu/")
        from outreach_bot.nlu.rasa_http import RasaNlu  # noqa: PLC0415 - aiohttp client

        rasa = RasaNlu(
            str(settings.rasa_url), timeout=settings.rasa_timeout, fallback=_NoFallback()
        )
        try:
            yield rasa
        finally:
            await rasa.close()
        return
    from outreach_bot.nlu.embedded import EmbeddedNlu  # noqa: PLC0415 - heavy import

    yield EmbeddedNlu.from_path(train or settings.nlu_data, cache_dir=settings.nlu_cache_dir)


async def predict(settings: Settings, *, backend: str, train: Path | None) -> int:
    """Classify each stdin line and print one JSON object per line, as soon as it is known.

    Answers are written line by line (not after end of input), so a program
    can talk to the command through a pipe one message at a time.

    Returns:
        The process exit code.
    """
    try:
        async with open_backend(settings, backend=backend, train=train) as nlu:
            for line in sys.stdin:
                (row,) = await predict_lines(nlu, [line])
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                sys.stdout.flush()
    except (NluDataError, ValueError, RasaDidNotAnswerError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    return 0


async def evaluate(settings: Settings, file: Path, *, backend: str, train: Path | None) -> int:
    """Print the JSON evaluation report of ``backend`` on the Rasa NLU YAML ``file``.

    Returns:
        The process exit code.
    """
    try:
        async with open_backend(settings, backend=backend, train=train) as nlu:
            report = await evaluate_file(nlu, file)
    except (NluDataError, ValueError, RasaDidNotAnswerError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return 0
