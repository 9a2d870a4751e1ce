"""``outreach-bot`` subcommands: parse arguments, call the core, print results.

The top layer: the only importer of the composition root :mod:`outreach_bot.app`. ``nlu``
holds ``nlu predict/evaluate``, ``demo`` the invented demo data of ``demo seed/clear``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from outreach_bot.config import (
    Settings,
    describe_errors,
    local_url,
    masked_url,
    unknown_variables,
)
from outreach_bot.content import ContentError
from outreach_bot.domain.errors import InvalidInputError, OutreachError
from outreach_bot.entry import resume_garbage_collection

logger = logging.getLogger(__name__)


def load_settings() -> Settings:
    """Settings from the environment and ``.env``; wrong values exit 2, one line for each.

    An ``OUTREACH_*`` name that no setting reads (a typo, a setting since renamed) is only
    warned about: it may belong to a tool beside the bot, and stopping would not tell more.
    """
    for warning in unknown_variables():
        print(f"warning: {warning}", file=sys.stderr)
    try:
        return Settings()
    except ValidationError as error:
        for line in describe_errors(error):
            print(line, file=sys.stderr)
        raise SystemExit(2) from error


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; also read by the script that writes the CLI reference."""
    parser = argparse.ArgumentParser(
        prog="outreach-bot", description=(__doc__ or "").split("\n\n", 1)[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="serve everything (one process, or --workers N)",
        description="Migrate the database, then serve everything: webhooks, REST channel, web "
        "chat, back office, API, QR landing pages, and the configured channels. Prints the URL "
        "and, on the very first run, a one-time link to create the first admin.",
    )
    run.add_argument("--host", default="127.0.0.1", help="address to listen on")
    run.add_argument("--port", type=int, default=8080, help="port to listen on")
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="processes sharing the port (PostgreSQL only; about one per core)",
    )

    commands.add_parser(
        "chat",
        help="talk to the bot in this terminal",
        description="Talk to the bot in this terminal; buttons are numbered: type the number.",
    )

    nlu = commands.add_parser("nlu", help="intent classification tools")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)
    for name, text, about in (
        (
            "predict",
            "classify each stdin line, one JSON object per line",
            'Read one message per line on stdin; write one JSON object per line: {"text": ..., '
            '"intent": ..., "confidence": ...}.',
        ),
        (
            "evaluate",
            "score a held-out file: accuracy, macro_f1, per intent (JSON)",
            "Classify every example of FILE and print a JSON report: accuracy, macro_f1, "
            "crisis_recall, and precision, recall, f1 and support per intent.",
        ),
    ):
        sub = nlu_commands.add_parser(name, help=text, description=about)
        if name == "evaluate":
            sub.add_argument(
                "file", type=Path, metavar="FILE", help="Rasa NLU YAML with gold intents"
            )
        sub.add_argument(
            "--backend",
            choices=["embedded", "rasa"],
            default=None,
            help="default: OUTREACH_NLU_BACKEND",
        )
        sub.add_argument(
            "--train",
            type=Path,
            default=None,
            metavar="PATH",
            help="train the embedded classifier on this Rasa NLU file or folder instead",
        )
    reviewed = nlu_commands.add_parser(
        "export-reviewed",
        help="labelled back-office messages as Rasa NLU YAML, for review",
        description="Write the messages counsellors labelled in the back office as Rasa NLU "
        "YAML, to review before they join nlu/data/; a count goes to stderr.",
    )
    reviewed.add_argument(
        "--output", type=Path, default=None, metavar="FILE", help="file to write (default: stdout)"
    )

    field = commands.add_parser(
        "check-field",
        help="normalise answers read from stdin",
        description='Read one answer per line on stdin; write one JSON object per line, {"text": '
        '..., "value": ...}: an E.164 phone number, an integer age, an official commune name, '
        "or null.",
    )
    field.add_argument("kind", choices=["phone", "age", "commune"], help="the field to parse")
    field.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="count ages from birth dates from this day (default: today)",
    )

    _add_access_commands(commands)

    campaigns = commands.add_parser("campaigns", help="outreach campaigns")
    campaign_commands = campaigns.add_subparsers(dest="campaigns_command", required=True)
    create = campaign_commands.add_parser(
        "create",
        help="create a campaign",
        description="Create a campaign; without CODE, one of at most 12 characters is made "
        "from the name.",
    )
    create.add_argument(
        "code", nargs="?", default="", help="left out: made from --name, at most 12 characters"
    )
    create.add_argument("--name", required=True, help="the campaign's name")
    create.add_argument("--sector", default=None, metavar="CODE", help="sector code")
    create.add_argument(
        "--date",
        type=_held_on,
        default=None,
        dest="held_on",
        metavar="DATE",
        help="YYYY-MM-DD or DD/MM/YYYY",
    )
    create.add_argument("--place", default="", help="where it takes place")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the Alembic migrations")

    commands.add_parser(
        "purge",
        help="erase data past its retention period",
        description="Erase what is past its retention period; run it daily, from cron for "
        "example.",
    )

    mail = commands.add_parser("mail", help="e-mail through OUTREACH_SMTP_*")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True)
    mail_test = mail_commands.add_parser("test", help="send a test e-mail to check the relay")
    mail_test.add_argument("address", metavar="EMAIL", help="who receives the test e-mail")

    demo = commands.add_parser("demo", help="invented demo data, clearly marked DEMO")
    demo_commands = demo.add_subparsers(dest="demo_command", required=True)
    demo_commands.add_parser("seed", help="create demo campaigns, conversations and leads")
    demo_commands.add_parser("clear", help="remove all demo data, figures included")
    return parser


def _add_access_commands(commands: Any) -> None:
    """``users`` and ``api-token``: who may sign in to the back office or call the API."""
    users = commands.add_parser("users", help="back-office accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add = users_commands.add_parser(
        "add",
        help="create a back-office account",
        description="Create a back-office account; the password is asked for, or read from "
        "stdin with --password-stdin.",
    )
    add.add_argument("email", help=_EMAIL_HELP)
    add.add_argument(
        "--role",
        required=True,
        help="admin, coordinator, counsellor, outreach, funder, reviewer or partner",
    )
    add.add_argument(
        "--organisation",
        type=int,
        metavar="ID",
        help="for --role partner: the partner organisation's id (Partenaires page)",
    )
    add.add_argument(
        "--sector", action="append", default=[], metavar="CODE", help="sector code (repeatable)"
    )
    add.add_argument("--password-stdin", action="store_true", help=_STDIN_HELP)
    passwd = users_commands.add_parser("passwd", help="set a new password; signs out everywhere")
    passwd.add_argument("email", help=_EMAIL_HELP)
    passwd.add_argument("--password-stdin", action="store_true", help=_STDIN_HELP)
    for name, text in (
        ("disable", "refuse sign-in and end open sessions"),
        ("enable", "allow sign-in again"),
    ):
        users_commands.add_parser(name, help=text).add_argument("email", help=_EMAIL_HELP)

    token = commands.add_parser("api-token", help="JSON API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_create = token_commands.add_parser(
        "create",
        help="print a new token alone on the last line (only its hash is stored)",
        description="Print a bearer token for the JSON API, alone on the last line; only its "
        "hash is stored. Without --sector, the token sees every sector.",
    )
    token_create.add_argument("name", help="who or what the token is for")
    token_create.add_argument(
        "--sector",
        action="append",
        default=[],
        metavar="CODE",
        help="limit the token to this sector (repeatable, or a comma list); default: all",
    )


SHORT_LIFE: Final = 30.0
"""Seconds: a worker that dies sooner after its start counts toward a crash loop."""
CRASH_LOOP: Final = 5
"""Workers dying young in a row after which ``run --workers`` stops instead of replacing."""
_STDIN_HELP: Final = "read the password from stdin instead of asking"
_EMAIL_HELP: Final = "the account's e-mail address, used to sign in"


def _held_on(raw: str) -> date | None:
    """A campaign date, ``2026-05-12`` or ``12/05/2026``; anything else is a clear usage error."""
    from outreach_bot.domain.campaigns import parse_held_on  # noqa: PLC0415

    try:
        return parse_held_on(raw)
    except OutreachError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _positive(raw: str) -> int:
    from outreach_bot.domain.numbers import parse_whole_number  # noqa: PLC0415

    number = parse_whole_number(raw)
    if number is None or number < 1:
        raise argparse.ArgumentTypeError("must be a whole number, 1 or more")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command != "run":
        resume_garbage_collection()  # only the server's start-up is worth it
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return _dispatch(args)
    except (OutreachError, ContentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check-field":
        return _check_field(args.kind, args.today)
    settings = load_settings()
    if args.command == "nlu":
        if args.nlu_command == "export-reviewed":
            _upgrade(settings)
            return asyncio.run(_export_reviewed(settings, args.output))
        return asyncio.run(_nlu(settings, args))
    if args.command == "db":
        _upgrade(settings)
        print("database is up to date")
        return 0
    if args.command == "run":
        settings = settings.served_at(args.host, args.port)
    encoder = _load_encoder_in_background(settings) if args.command == "run" else None
    if args.command == "run" and args.workers > 1:
        if make_url(settings.effective_database_url).get_backend_name() != "postgresql":
            print(
                "error: --workers needs PostgreSQL (set OUTREACH_DATABASE_URL): SQLite has one "
                "writer, and the workers share live events through PostgreSQL",
                file=sys.stderr,
            )
            return 2
        _upgrade(settings)
        if encoder is not None:
            encoder.join()  # no thread may be running at the fork
        return _serve_workers(settings, args)
    _upgrade(settings)
    return asyncio.run(_async_command(settings, args))


def _serve_workers(settings: Settings, args: argparse.Namespace) -> int:
    """Load once, then fork ``args.workers`` processes serving the same port; keep them up.

    The parent loads what weighs (the modules, the commune index, the sentence encoder and
    the classifier) before forking, so the workers share those pages copy-on-write: each
    worker adds about 30 MB instead of about 150, and starts at once. The kernel spreads
    connections between the workers (SO_REUSEPORT). Each worker opens its own database pool
    and event loop after the fork. Stopping the parent stops them all.

    A worker that dies (``kill -9``, out of memory, a crash) is replaced at once by a new
    fork, with one log line naming it; the others serve meanwhile, so the port keeps
    answering. A worker that cannot stay up (:data:`CRASH_LOOP` deaths in a row, each within
    :data:`SHORT_LIFE` seconds of its start: a broken configuration, a database refusing
    us) stops the whole set with its exit code, for the supervisor (systemd, Docker) to see.
    """
    nlu = _preload(settings)
    children: dict[int, tuple[int, float]] = {}  # pid -> (worker index, started at)
    stopping = False

    def spawn(index: int, *, replacement: bool) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: it never returns into this function
            code = 1
            try:
                code = _work(settings, args, index, nlu, replacement=replacement)
            finally:
                os._exit(code)
        children[pid] = (index, time.monotonic())

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    for index in range(args.workers):
        spawn(index, replacement=False)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    short_lives = 0
    code = 0
    while children:
        pid, status = os.waitpid(-1, 0)
        if pid not in children:
            continue
        index, started = children.pop(pid)
        if stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited ({code})"
        short_lives = short_lives + 1 if time.monotonic() - started < SHORT_LIFE else 0
        if short_lives >= CRASH_LOOP:
            logger.error(
                "worker %s (pid %s) %s, the %s in a row within %ss of its start: "
                "stopping every worker",
                index,
                pid,
                how,
                short_lives,
                SHORT_LIFE,
            )
            stop(signal.SIGTERM, None)
            continue
        logger.error("worker %s (pid %s) %s; starting a new worker %s", index, pid, how, index)
        code = 0
        spawn(index, replacement=True)
    return code if code > 0 else (1 if code < 0 else 0)


def _work(
    settings: Settings, args: argparse.Namespace, index: int, nlu: Any, *, replacement: bool
) -> int:
    """One forked worker's life; its errors are reported like the command's own."""
    try:
        return asyncio.run(
            _run(
                settings,
                args.host,
                args.port,
                worker_index=index,
                nlu=nlu,
                announce=index == 0 and not replacement,
                workers=args.workers,
            )
        )
    except (OutreachError, ContentError) as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except Exception:
        logger.exception("worker %s stopped on an unexpected error", index)
    return 1


def _preload(settings: Settings) -> Any:
    """What every worker needs and never changes, loaded before the fork; None for Rasa.

    The Rasa backend holds HTTP connections, which cannot cross a fork: each worker builds
    its own.
    """
    from outreach_bot.app import build_nlu  # noqa: PLC0415
    from outreach_bot.config import NluBackendName  # noqa: PLC0415
    from outreach_bot.domain.fields import match_commune  # noqa: PLC0415

    match_commune("")
    if settings.nlu_backend is NluBackendName.RASA:
        return None
    return asyncio.run(build_nlu(settings))


def _load_encoder_in_background(settings: Settings) -> threading.Thread:
    """Start loading the sentence encoder while the database is checked and modules imported.

    Most of its load is sentencepiece's C++ reading the tokenizer model (0.3 s), which leaves
    the GIL free, so it runs beside the imports instead of after them. The classifier gets
    the encoder from :func:`default_encoder`, which waits for this load; if it failed, the
    classifier's own call tries again and reports the error.
    """

    def load() -> None:
        from outreach_bot.nlu.encoder import default_encoder  # noqa: PLC0415

        try:
            default_encoder(settings.nlu_cache_dir)
        except Exception:
            logger.debug("sentence encoder not preloaded", exc_info=True)

    thread = threading.Thread(target=load, name="encoder", daemon=True)
    thread.start()
    return thread


def _upgrade(settings: Settings) -> None:
    """Bring the database to the current schema; one line and exit 1 if it cannot be used.

    Every command that touches the database comes here first, so an unreachable server, a
    database that does not exist or a read-only file is told in one line naming the setting,
    not in a traceback. Exit 1 rather than 2: the settings are well formed, and a database
    that is not up yet may be by the next restart.
    """
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    from outreach_bot.storage.migrate import upgrade_if_needed  # noqa: PLC0415

    url = settings.effective_database_url
    try:
        upgrade_if_needed(url)
    except (DBAPIError, OSError) as error:
        variable = "OUTREACH_DATABASE_URL" if settings.database_url else "OUTREACH_VAR_DIR"
        problem = _database_problem(error)
        print(
            f"{variable}: cannot use the database {masked_url(url)!r}: {problem}", file=sys.stderr
        )
        raise SystemExit(1) from error


def _database_problem(error: Exception) -> str:
    """What went wrong with the database, in the words of its driver, plus a hint."""
    from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

    if isinstance(error, DBAPIError):
        said = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        reason = said or type(error.orig).__name__
        if "readonly" in reason or "read-only" in reason:
            reason += " (the user running outreach-bot must be able to write it)"
        return reason
    if isinstance(error, ConnectionRefusedError) or "Connect call failed" in str(error):
        return "connection refused: is PostgreSQL running, on that host and port?"
    if isinstance(error, socket.gaierror):
        return f"unknown host ({error.strerror})"
    if isinstance(error, TimeoutError):
        return "no answer in time: is the host reachable from here?"
    return str(error) or type(error).__name__


def _check_field(kind: str, today: date | None) -> int:
    from outreach_bot.domain.fields import match_commune, parse_age, parse_phone  # noqa: PLC0415

    today = today or datetime.now(UTC).date()
    for line in sys.stdin:
        text = line.rstrip("\n")
        value: Any
        if kind == "phone":
            value = parse_phone(text)
        elif kind == "age":
            value = parse_age(text, today)
        else:
            match = match_commune(text)
            value = match.commune.name if match.commune else None
        print(json.dumps({"text": text, "value": value}, ensure_ascii=False), flush=True)
    return 0


async def _nlu(settings: Settings, args: argparse.Namespace) -> int:
    from outreach_bot.cli import nlu as nlu_cli  # noqa: PLC0415

    backend = args.backend or settings.nlu_backend.value
    if args.nlu_command == "predict":
        return await nlu_cli.predict(settings, backend=backend, train=args.train)
    return await nlu_cli.evaluate(settings, args.file, backend=backend, train=args.train)


async def _export_reviewed(settings: Settings, output: Path | None) -> int:
    """Labelled messages as Rasa NLU YAML, without loading the content or the NLU model."""
    from outreach_bot.app import resolve_secret  # noqa: PLC0415
    from outreach_bot.core.conversation.quality import export_reviewed  # noqa: PLC0415
    from outreach_bot.storage.crypto import FieldCipher, install_cipher  # noqa: PLC0415
    from outreach_bot.storage.session import create_engine, create_sessionmaker  # noqa: PLC0415

    install_cipher(FieldCipher(resolve_secret(settings)))
    engine = create_engine(settings.effective_database_url)
    try:
        export = await export_reviewed(create_sessionmaker(engine))
    finally:
        await engine.dispose()
    if output is None:
        sys.stdout.write(export.yaml)
    else:
        await asyncio.to_thread(output.write_text, export.yaml, encoding="utf-8")
    print(
        f"{export.examples} reviewed examples exported, {export.conflicts} conflicting texts "
        "left out; review them before they join nlu/data/",
        file=sys.stderr,
    )
    return 0


async def _async_command(settings: Settings, args: argparse.Namespace) -> int:
    from outreach_bot.app import open_services  # noqa: PLC0415

    if args.command == "run":
        return await _run(settings, args.host, args.port, worker_index=None)
    if args.command == "chat":
        from outreach_bot.channels.console import chat  # noqa: PLC0415

        async with open_services(settings) as services:
            await chat(services.conversations, sys.stdin, sys.stdout)
        return 0
    async with open_services(settings, load_nlu=False) as services:
        if args.command == "users":
            await _users(services, args)
        elif args.command == "api-token":
            from outreach_bot.core.staff.tokens import create_token, sector_codes  # noqa: PLC0415

            token = await create_token(services.sessions, args.name, args.sector)
            scope = ", ".join(sector_codes(args.sector)) or "all sectors"
            print(f"API token {args.name!r} created for {scope}. It is shown only once:")
            print(token)
        elif args.command == "campaigns":
            from outreach_bot.core.outreach.campaigns import create_campaign  # noqa: PLC0415
            from outreach_bot.domain.campaigns import suggest_code  # noqa: PLC0415

            campaign = await create_campaign(
                services.sessions,
                args.code.strip() or suggest_code(args.name),
                name=args.name,
                sector=args.sector,
                held_on=args.held_on,
                place=args.place,
            )
            print(f"campaign {campaign.code} created: {settings.public_url}q/{campaign.code}")
            if "public_url" not in settings.model_fields_set:
                # This process cannot know the address `run` was given.
                print(
                    "  (run's default address: with another --host or --port, or behind a "
                    "proxy, set OUTREACH_PUBLIC_URL)"
                )
        elif args.command == "demo":
            from outreach_bot.cli import demo  # noqa: PLC0415

            if args.demo_command == "seed":
                seeded = await demo.seed_demo(
                    services.sessions,
                    consent_version=services.content.privacy.consent.text_version,
                )
                print(
                    f"DEMO data created (invented; codes DEMO-..., names [DÉMO]): "
                    f"{seeded.campaigns} campaigns, {seeded.scans} scans, "
                    f"{seeded.conversations} conversations, {seeded.consents} consents, "
                    f"{seeded.leads} leads. Remove it with: outreach-bot demo clear"
                )
            else:
                removed = await demo.clear_demo(services.sessions)
                print(f"demo data removed: {removed} conversations and the DEMO- campaigns")
        elif args.command == "mail":
            return await _mail_test(services, args.address)
        elif args.command == "purge":
            from outreach_bot.core.privacy.purge import purge  # noqa: PLC0415

            report = await purge(
                services.sessions,
                transcript_days=settings.inactive_transcript_days,
                retention_days=settings.retention_days,
                media_hold_days=settings.media_hold_days,
            )
            print(
                f"purged {report.conversations} conversations, {report.gaps} unlabelled texts, "
                f"{report.outbox} outbox rows, {report.held_media} files never consented to"
            )
    return 0


async def _mail_test(services: Any, address: str) -> int:
    """Send one test e-mail, so an operator sees at once whether the relay takes it."""
    from outreach_bot.core.mail.sender import Mail, MailError  # noqa: PLC0415

    try:
        await services.mailer.send(
            Mail(
                to=address,
                subject="Outreach Bot : test d'envoi",
                text="Ce message vérifie que l'assistant peut envoyer des e-mails.",
            )
        )
    except MailError as error:
        print(f"e-mail not sent: {error}", file=sys.stderr)
        return 1
    print(f"test e-mail handed to {services.settings.smtp_host} for {address}")
    return 0


async def _users(services: Any, args: argparse.Namespace) -> None:
    from outreach_bot.core.staff.accounts import add_user, set_active, set_password  # noqa: PLC0415

    email = args.email.strip().lower()
    if args.users_command in {"disable", "enable"}:
        active = args.users_command == "enable"
        user_id = await set_active(services.sessions, email, active=active)
        print(f"user {user_id} {args.users_command}d: {email}")
        return
    password = (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    )
    if args.users_command == "passwd":
        user_id = await set_password(services.sessions, email, password)
        print(f"user {user_id}: new password set, signed out everywhere: {email}")
        return
    if (args.role == "partner") != (args.organisation is not None):
        raise InvalidInputError("--organisation ID goes with --role partner, and only with it")
    if args.organisation is not None:
        from outreach_bot.core.partners.directory import list_organisations  # noqa: PLC0415

        known = {organisation.id for organisation in await list_organisations(services.sessions)}
        if args.organisation not in known:
            raise InvalidInputError(f"no partner organisation {args.organisation}")
    user_id = await add_user(
        services.sessions, args.email, role=args.role, password=password, sectors=args.sector
    )
    if args.organisation is not None:
        from outreach_bot.core.partners.referrals import add_member  # noqa: PLC0415

        await add_member(services.sessions, user_id, args.organisation)
    print(f"user {user_id} created: {email} ({args.role})")


async def _run(
    settings: Settings,
    host: str,
    port: int,
    *,
    worker_index: int | None,
    nlu: Any = None,
    announce: bool = True,
    workers: int = 1,
) -> int:
    from aiohttp import web  # noqa: PLC0415

    from outreach_bot.app import create_web_app, open_services  # noqa: PLC0415
    from outreach_bot.domain.fields import load_communes_in_background  # noqa: PLC0415

    # httpx logs every request URL at INFO, and a Bot API URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    async with open_services(settings, nlu=nlu, workers=workers) as services:
        runner = web.AppRunner(create_web_app(services), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port, reuse_port=worker_index is not None)
            await _listen(site, host, port)
            # The commune index (0.2 s) is built once the server answers, not before: an
            # answer that needs it first waits for it. (`run --workers` built it before
            # forking.)
            load_communes_in_background()
            resume_garbage_collection()
            if worker_index or not announce:
                print(f"worker {worker_index} is serving http://{host}:{port}/", flush=True)
            else:
                await _announce(settings, services, host, port)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()
    return 0


async def _listen(site: Any, host: str, port: int) -> None:
    """Start listening; an address in use or not ours is one line naming it, not a traceback.

    Raises:
        InvalidInputError: the operating system refused the address (exit code 1).
    """
    try:
        await site.start()
    except OSError as error:
        # asyncio's message repeats the address in Python's notation; the system's words do.
        code = error.errno or 0
        reason = os.strerror(code) if code > 0 else error.strerror or str(error)
        raise InvalidInputError(f"cannot listen on {host} port {port}: {reason}") from error


async def _announce(settings: Settings, services: Any, host: str, port: int) -> None:
    """What the person who started the server needs to see (printed by one worker only)."""
    from outreach_bot.channels.telegram_mode import describe  # noqa: PLC0415

    print(f"Outreach Bot is running on http://{host}:{port}/", flush=True)
    print(describe(settings), flush=True)
    print(
        f"Try it: curl -s -X POST {local_url(host, port)}webhooks/rest/webhook "
        """-H 'Content-Type: application/json' -d '{"sender": "me", "message": "salut"}'""",
        flush=True,
    )
    await _print_setup_link(settings, services)


async def _print_setup_link(settings: Settings, services: Any) -> None:
    """With no account yet, show the one-time link that creates the first admin.

    The link carries a fresh random token (only its hash is stored) and works once; no
    password is ever printed.
    """
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from outreach_bot.core.staff.accounts import issue_setup_token  # noqa: PLC0415

    try:
        token = await issue_setup_token(services.sessions)
    except (SQLAlchemyError, OSError) as error:
        # The server is up and serving: a database that blinks now (a restart, a failover)
        # must not stop it for the sake of a link. The next start prints it again.
        logger.warning(
            "could not check for a back-office account (%s); restart to get the first-admin "
            "link if none exists yet",
            type(error).__name__,
        )
        return
    if token:
        print(
            "No back-office account yet. Create the first admin with this one-time link:\n"
            f"  {settings.public_url}admin/setup?token={token}",
            flush=True,
        )
