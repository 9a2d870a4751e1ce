"""Print how many SMS segments the bot's messages cost, exactly as the SMS channel sends them.

Usage (from the project root)::

    .venv/bin/python scripts/sms_segments.py            # the warm-lead path, then every text
    .venv/bin/python scripts/sms_segments.py --path     # only the warm-lead path
    .venv/bin/python scripts/sms_segments.py --over 1   # only texts above one segment
    .venv/bin/python scripts/sms_segments.py --answers  # the answers table of docs/channels/sms.md

The warm-lead path is replayed through the real dialogue engine on the "sms" channel, so
the numbered choices and the "Réponds 1 ou 2." line are counted too. Then every text of
bot/languages/fr (messages, answers, crisis texts) and the consent request is counted alone
(buttons are added by the dialogue, so those counts are a lower bound).

``--answers`` prints, for every French answer and follow-up, its length, whether it is written
in the GSM-7 alphabet and how many SMS it costs as sent (a follow-up with its "Source :" line):
the table in docs/channels/sms.md, which tests/scripts/test_sms_segments.py keeps current and
holds to its bounds.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from outreach_bot.channels.sms import SmsRenderer
from outreach_bot.channels.sms_text import count_segments
from outreach_bot.content import load_content
from outreach_bot.content.model import Content
from outreach_bot.dialogue.engine import DialogueEngine, short_source
from outreach_bot.dialogue.replies import Reply
from outreach_bot.dialogue.state import DialogueState
from outreach_bot.dialogue.turn import Turn

ROOT = Path(__file__).resolve().parents[1]
SENDER = "+33612345678"
#: (what the young person texts, what the NLU would say) along the warm-lead path.
WARM_LEAD = (
    ("salut", "greet"),
    ("je cherche du boulot", "find_job"),
    ("1", "affirm"),
    ("1", "affirm"),
    ("17 ans", "inform"),
    ("Léa", "inform"),
    ("1", "affirm"),
    ("verdun", "inform"),
    ("un job dans la restauration", "find_job"),
    ("1", "inform"),
    ("1", "affirm"),
    ("blabla", "out_of_scope"),
    ("STOP", "opt_out"),
)


def _row(label: str, body: str) -> str:
    counted = count_segments(body)
    return f"{counted.segments:>3}  {counted.encoding:<5}  {counted.units:>4}  {label}"


def warm_lead(renderer: SmsRenderer, engine: DialogueEngine) -> list[tuple[str, str]]:
    """The SMS bodies of a warm-lead conversation, labelled by what the young person wrote."""
    state = DialogueState()
    bodies: list[tuple[str, str]] = []
    for text, intent in WARM_LEAD:
        turn = Turn(
            text=text,
            intent=intent,
            confidence=0.99,
            channel="sms",
            today=date.today(),  # noqa: DTZ011 - only the age check reads it
            sender_phone=SENDER,
        )
        outcome = engine.step(state, turn)
        state = outcome.state
        for reply in outcome.replies:
            first_line = reply.text.splitlines()[0]
            bodies.append((f"{text!r:>8} -> {first_line[:60]}", renderer.render(reply)))
    return bodies


def every_text(renderer: SmsRenderer, root: Path) -> list[tuple[str, str]]:
    """Every text of bot/ alone, as its SMS body."""
    content = load_content(root / "bot")
    texts = [(f"messages.{key}", value.fr) for key, value in content.messages.items()]
    texts += [(f"answers.{key}", answer.text.fr) for key, answer in content.answers.items()]
    texts += [(f"crisis.{key}", kind.text.fr) for key, kind in content.crisis.kinds.items()]
    texts.append(("privacy.consent", content.privacy.consent.text.fr))
    return [(label, renderer.render(Reply(text))) for label, text in texts]


def answer_bodies(content: Content, renderer: SmsRenderer) -> list[tuple[str, str, str]]:
    """(key, text as written, SMS body as sent) for every French answer and follow-up."""
    rows: list[tuple[str, str, str]] = []
    for intent, answer in content.answers.items():
        rows.append((intent, answer.text.fr, renderer.render(Reply(answer.text.fr))))
        for followup in answer.followups:
            source = content.message("followup_source", "fr", source=short_source(followup.source))
            sent = f"{followup.text.fr}\n{source}"
            rows.append(
                (f"{intent}.{followup.id}", followup.text.fr, renderer.render(Reply(sent)))
            )
    return rows


def answers_table(content: Content, renderer: SmsRenderer) -> str:
    """The Markdown table of docs/channels/sms.md: one row per answer, most SMS first."""
    lines = [
        "| answer | characters | written in GSM-7 | SMS as sent |",
        "|---|---|---|---|",
    ]
    rows = answer_bodies(content, renderer)
    rows.sort(key=lambda row: (-count_segments(row[2]).segments, row[0]))
    for key, written, sent in rows:
        gsm = "yes" if count_segments(written).encoding == "GSM-7" else "no"
        lines.append(f"| `{key}` | {len(written)} | {gsm} | {count_segments(sent).segments} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the tables; the exit code is 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", action="store_true", help="only the warm-lead path")
    parser.add_argument("--over", type=int, default=0, help="only texts above N segments")
    parser.add_argument("--answers", action="store_true", help="the answers table (Markdown)")
    args = parser.parse_args(argv)
    content = load_content(ROOT / "bot")
    renderer = SmsRenderer(content)
    if args.answers:
        sys.stdout.write(answers_table(content, renderer) + "\n")
        return 0
    engine = DialogueEngine(content, threshold=0.45)
    sections = [("warm-lead path on SMS (with choices)", warm_lead(renderer, engine))]
    if not args.path:
        sections.append(("every text alone (French)", every_text(renderer, ROOT)))
    out = sys.stdout
    for title, rows in sections:
        out.write(f"\n{title}\nseg  enc    len  text\n")
        for label, body in rows:
            if count_segments(body).segments > args.over:
                out.write(_row(label, body) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
