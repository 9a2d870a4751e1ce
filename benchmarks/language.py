"""Language benchmark: what reading the language of a message costs the dialogue.

Usage (from the repository root)::

    .venv/bin/python benchmarks/language.py [--repeat 200]

Prints, on this machine: the one-off load of py3langid's model (it happens on the first
message in a shared script, not at start-up); the time to identify one short message among
Arabic, Persian (Dari) and Pashto; and the time of one whole dialogue step (the pure engine,
no database, no classifier) for short messages in French (the baseline: words only, no
identifier) and in Arabic script (script + identifier), side by side with their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from outreach_bot.content import load_content
from outreach_bot.dialogue.engine import DialogueEngine
from outreach_bot.dialogue.state import DialogueState
from outreach_bot.dialogue.turn import Turn
from outreach_bot.nlu.language import LanguageIdentifierNlu

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 12, 6)  # only the age check reads it
FRENCH = ("slt je cherche du taf", "c'est quoi le cej", "jsp ou dormir ce soir", "bonjour")
ARABIC_SCRIPT = ("السلام عليكم أبحث عن عمل", "سلام، من دنبال کار هستم", "زه د کار په لټه کې یم")


def _per_call(function: object, inputs: tuple[str, ...], repeat: int) -> float:
    """Median microseconds of one call over ``repeat`` rounds of ``inputs``."""
    samples = []
    for _ in range(repeat):
        for text in inputs:
            start = time.perf_counter()
            function(text)  # type: ignore[operator]
            samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> int:
    """Print the figures; the exit code is 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    identify = LanguageIdentifierNlu()
    start = time.perf_counter()
    identify("سلام", ["ar", "fa", "ps"])
    load = time.perf_counter() - start
    classify = _per_call(
        lambda text: identify(text, ["ar", "fa", "ps"]), ARABIC_SCRIPT, args.repeat
    )
    engine = DialogueEngine(load_content(ROOT / "bot"), threshold=0.45, identify=identify)

    def step(text: str) -> None:
        turn = Turn(text=text, intent="out_of_scope", confidence=0.2, channel="rest", today=TODAY)
        engine.step(DialogueState(), turn)

    french = _per_call(step, FRENCH, args.repeat)
    foreign = _per_call(step, ARABIC_SCRIPT, args.repeat)
    out = sys.stdout
    out.write(f"py3langid model load (once per process): {load * 1000:.0f} ms\n")
    out.write(f"identify one message among ar/fa/ps:      {classify:.0f} µs (median)\n")
    out.write(f"dialogue step, French (baseline):         {french:.0f} µs (median)\n")
    out.write(f"dialogue step, Arabic script:             {foreign:.0f} µs (median)\n")
    out.write(f"ratio Arabic script / French:             {foreign / french:.2f}x\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
