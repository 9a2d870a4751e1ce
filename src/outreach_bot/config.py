"""Settings: the only place that reads the environment (``OUTREACH_*`` and ``.env``)."""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from datetime import time
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    AnyHttpUrl,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach_bot.domain.fields.phone import parse_phone
from outreach_bot.domain.media import DEFAULT_TYPES as DEFAULT_MEDIA_TYPES

ENV_PREFIX: Final = "OUTREACH_"

EMPTY_IS_A_VALUE: Final = frozenset({"quiet_days"})
"""Settings where an empty value means something other than the default: no quiet days."""

SECRET_WORDS: Final = re.compile(r"token|secret|password|key")
"""Names of settings whose value is never repeated in an error (tokens, keys, passwords)."""

MISSING_SETTING: Final = "missing_setting"
"""The error type of a setting a configured channel needs and that was left empty."""

REQUIRED_BY_A_CHANNEL: Final = (
    "whatsapp_phone_number_id",
    "whatsapp_app_secret",
    "whatsapp_verify_token",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_from",
    "smsgateway_login",
    "smsgateway_password",
    "smsgateway_signing_key",
)
"""Settings that a channel cannot run without, once that channel is turned on."""

SHOWN_LENGTH: Final = 60
"""A wrong value longer than this is cut in the error line, which stays one readable line."""


def project_dir() -> Path | None:
    """The source checkout this package runs from (editable install), or None when installed.

    The content (``bot/``), the training data (``nlu/data``) and ``var/`` are found here rather
    than in the working directory, so that ``outreach-bot run`` started by systemd, cron or a
    container from any directory finds them.
    """
    candidate = Path(__file__).resolve().parents[2]
    return candidate if (candidate / "bot" / "answers.yml").is_file() else None


def installed_data_dir() -> Path:
    """Where a wheel install puts ``bot/`` and ``nlu/data`` (``[tool.setuptools.data-files]``)."""
    return Path(sys.prefix) / "share" / "outreach-bot"


def _project_path(*parts: str) -> Path:
    """A project folder: from the checkout, else from the installed data, else the working dir."""
    root = project_dir()
    if root is not None:
        return root.joinpath(*parts)
    installed = installed_data_dir().joinpath(*parts)
    return installed if installed.exists() else Path(*parts)


def _env_files() -> tuple[Path, ...]:
    """The checkout's ``.env``, then the working directory's, which wins where both set a value."""
    root = project_dir()
    return (root / ".env", Path(".env")) if root is not None else (Path(".env"),)


def _default_var_dir() -> Path:
    """``var/`` of the checkout; an installed package keeps it in the working directory."""
    root = project_dir()
    return root / "var" if root is not None else Path("var")


class NluBackendName(StrEnum):
    """Which NLU backend answers."""

    EMBEDDED = "embedded"
    RASA = "rasa"


class SmsProvider(StrEnum):
    """Which SMS provider the SMS channel talks to."""

    TWILIO = "twilio"
    SMSGATEWAY = "smsgateway"


class SmtpTls(StrEnum):
    """How the connection to the SMTP relay is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


class Settings(BaseSettings):
    """Configuration with defaults that work on a fresh machine with no configuration at all."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=_env_files(),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    var_dir: Path = Field(default_factory=_default_var_dir)
    """Where the bot writes: the SQLite database, the generated secret key, the NLU cache.

    Default: ``var/`` of the project checkout (of the working directory for a wheel install).
    """
    database_url: str = ""
    """A ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URL; empty: ``var/outreach.db``."""
    nlu_backend: NluBackendName = NluBackendName.EMBEDDED
    """Which NLU backend classifies messages: the embedded classifier or a Rasa server."""
    nlu_threshold: float = Field(default=0.45, ge=0.0, le=1.0)
    """Under this confidence the bot says it did not understand and shows a menu."""
    nlu_data: Path = Field(default_factory=lambda: _project_path("nlu", "data"))
    """The Rasa NLU training data the embedded classifier learns from; default: ``nlu/data``
    of the project (found from the package, not the working directory)."""
    rasa_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:5005")
    """The Rasa server, queried on ``/model/parse`` when the NLU backend is ``rasa``."""
    rasa_timeout: float = Field(default=1.5, gt=0)
    """Seconds to wait for Rasa before the embedded classifier answers instead."""
    content_dir: Path = Field(default_factory=lambda: _project_path("bot"))
    """The folder of what the bot says (answers, messages, crisis texts), in YAML; default:
    ``bot/`` of the project (found from the package, not the working directory)."""
    public_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8080")
    """The address people and providers reach: webhooks, QR codes, links; https means webhooks.
    Unset, ``outreach-bot run --host H --port P`` uses the address it listens on."""
    secret_key: str = ""
    """Encrypts personal fields, signs sessions; empty: generated once into ``var/secret.key``."""
    telegram_token: str = ""
    """The bot token from @BotFather; empty: no Telegram channel."""
    telegram_base_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org/bot")
    """The Bot API server, in python-telegram-bot's ``base_url`` form."""
    telegram_bot_username: str = ""
    """The bot's username (``@`` optional), for ``t.me`` links on posters and pages."""
    telegram_team_chat_id: int | None = None
    """The team's Telegram group, told of new and urgent leads; empty: none."""
    telegram_webhook: bool | None = None
    """``true`` forces webhook mode, ``false`` polling; empty: webhook when public_url is https."""
    telegram_webhook_secret: str = ""
    """The webhook's secret token; empty: derived from the secret key."""
    telegram_chat_interval: float = Field(default=1.0, ge=0)
    """Seconds between two messages to one Telegram chat."""
    whatsapp_token: str = ""
    """The WhatsApp Cloud API access token (a system user's); empty: no WhatsApp channel."""
    whatsapp_phone_number_id: str = Field(default="", validate_default=True)
    """The Cloud API's id of the business phone number (digits, from the Meta app's page)."""
    whatsapp_app_secret: str = Field(default="", validate_default=True)
    """The Meta app's secret: it checks the ``X-Hub-Signature-256`` of every notification."""
    whatsapp_verify_token: str = Field(default="", validate_default=True)
    """The word typed in the Meta app's webhook form, echoed back during its verification."""
    whatsapp_base_url: AnyHttpUrl = AnyHttpUrl("https://graph.facebook.com")
    """The Graph API's address, without the version; change it only for tests."""
    whatsapp_api_version: str = "v23.0"
    """The Graph API version appended to ``OUTREACH_WHATSAPP_BASE_URL`` (``vNN.N``)."""
    whatsapp_number: str = ""
    """The business number young people write to (E.164), for ``wa.me`` links on posters."""
    whatsapp_templates: str = ""
    """Approved templates used outside the 24-hour window: comma-separated
    ``kind=name:language`` (``counsellor=message_conseiller:fr``); kinds are ``counsellor`` and
    the scheduled kinds (``appointment_reminder``, ``reengage``...), ``*`` for any other."""
    whatsapp_chat_interval: float = Field(default=1.0, ge=0)
    """Seconds between two messages to one WhatsApp user."""
    whatsapp_messages_per_second: float = Field(default=20.0, gt=0)
    """At most this many WhatsApp messages per second in all (Meta's ceiling is higher)."""
    sms_provider: SmsProvider | None = None
    """The SMS provider; empty: no SMS channel."""
    sms_number: str = ""
    """The number young people text, printed on posters and pages; not a French 06/07."""
    twilio_account_sid: str = Field(default="", validate_default=True)
    """The Twilio Account SID, from the Twilio console."""
    twilio_auth_token: str = Field(default="", validate_default=True)
    """The Twilio Auth Token; it also checks Twilio's request signatures."""
    twilio_from: str = Field(default="", validate_default=True)
    """Sending number (E.164) or Messaging Service SID; empty: ``OUTREACH_SMS_NUMBER``."""
    twilio_base_url: AnyHttpUrl = AnyHttpUrl("https://api.twilio.com")
    """Twilio's API address; change it only for tests."""
    smsgateway_url: AnyHttpUrl = AnyHttpUrl("https://api.sms-gate.app/3rdparty/v1")
    """SMS Gateway for Android's API: the cloud relay, or ``http://<phone>:8080``."""
    smsgateway_login: str = Field(default="", validate_default=True)
    """The username the SMS Gateway app shows."""
    smsgateway_password: str = Field(default="", validate_default=True)
    """The password the SMS Gateway app shows."""
    smsgateway_signing_key: str = Field(default="", validate_default=True)
    """The app's webhook signing key; unsigned webhooks are refused."""
    smsgateway_legacy_payload: bool = False
    """Send the old request format (``message``), for old app versions."""
    sms_daily_limit: int = Field(default=20, ge=1)
    """SMS per conversation per day before the bot stops and the team takes over."""
    quiet_hours_start: time = time(20, 0)
    """When the quiet hours begin (``HH:MM``, in ``OUTREACH_QUIET_HOURS_TIMEZONE``): from then on
    nothing goes out that is not an answer to what the young person just wrote."""
    quiet_hours_end: time = time(9, 0)
    """When the quiet hours end and held messages go out (``HH:MM``)."""
    quiet_hours_timezone: str = "Europe/Paris"
    """The time zone of the quiet hours and of every scheduled time (an IANA name)."""
    quiet_days: str = "sunday"
    """Comma-separated week days (English names) with no sending at all; empty for none."""
    quiet_on_public_holidays: bool = True
    """No sending on French public holidays either (the ``holidays`` package's calendar)."""
    appointment_reminder_hour: time = time(17, 0)
    """When the day-before reminder of an appointment goes out (``HH:MM``; the last open day
    before it, if the day before is a Sunday or a holiday)."""
    scheduler_interval: float = Field(default=20.0, gt=0)
    """Seconds between two looks for scheduled messages that are due."""
    team_phone: str = ""
    """The Mission Locale's phone number, told in a contact list's first message ("appelle-nous
    au …"); a list's campaign cannot start without it."""
    takeover_timeout_hours: float = Field(default=24.0, gt=0)
    """Hours the bot stays silent after a counsellor's last message."""
    takeover_crisis_minutes: float = Field(default=10.0, gt=0, le=120)
    """Minutes a crisis guessed during a counsellor's takeover waits for someone on the team to
    answer before the bot sends the crisis numbers itself (day and night)."""
    session_hours: float = Field(default=12.0, gt=0)
    """Hours without use after which a back-office session ends."""
    retention_days: int = Field(default=365, ge=1)
    """Days after the last exchange before a lead and all about the person is erased."""
    inactive_transcript_days: int = Field(default=90, ge=1)
    """Days before conversations without a lead, and texts not understood, are erased."""
    media_max_bytes: int = Field(default=10_000_000, ge=1)
    """Largest voice note, photo or document kept, in bytes; a bigger one is refused kindly."""
    media_types: str = ",".join(DEFAULT_MEDIA_TYPES)
    """Comma-separated types of file kept (read from the file's bytes); SVG and HTML never."""
    media_hold_days: int = Field(default=7, ge=1)
    """Days a file sent before consent waits for the answer before it is deleted."""
    default_locale: str = "fr"
    """The language (``fr`` or ``en``) of Telegram notices when the app's is none we speak."""
    db_statement_timeout: float = Field(default=10.0, ge=0)
    """Seconds PostgreSQL may spend on one statement, lock waits included (0: no limit)."""
    rate_limit_sender: int = Field(default=30, ge=0)
    """Web chat / REST messages one sender may send per minute (0: no limit)."""
    rate_limit_ip: int = Field(default=300, ge=0)
    """Web chat / REST messages one client address may send per minute (0: no limit)."""
    trusted_proxies: str = ""
    """Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For is used."""
    metrics_token: str = ""
    """Bearer token for ``/metrics``; empty means loopback clients only, without a proxy."""
    smtp_host: str = ""
    """SMTP relay that sends e-mail (referrals, password resets); empty: no e-mail is sent."""
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    """SMTP relay port; empty: 587 with ``starttls``, 465 with ``tls``, 25 with ``none``."""
    smtp_tls: SmtpTls = SmtpTls.STARTTLS
    """``starttls`` (upgrade a plain connection), ``tls`` (TLS from the start) or ``none``."""
    smtp_user: str = ""
    """SMTP login; empty: send without authenticating (a relay that trusts this machine)."""
    smtp_password: str = ""
    """SMTP password for ``OUTREACH_SMTP_USER``."""
    smtp_from: str = Field(default="", validate_default=True)
    """Sender address of every e-mail, like ``Mission Locale <noreply@example.org>``."""
    smtp_timeout: float = Field(default=20.0, gt=0)
    """Seconds to wait for the SMTP relay before giving up on a message (it is kept)."""

    @model_validator(mode="before")
    @classmethod
    def _empty_means_unset(cls, data: Any) -> Any:
        """An empty value is the default, as ``.env`` templates and docker env files write it.

        ``OUTREACH_PUBLIC_URL=`` means "not set" rather than "an empty URL", which would stop
        start-up; only ``OUTREACH_QUIET_DAYS`` gives empty a meaning of its own (no quiet day).
        A bare name in ``.env`` (no ``=``) arrives as None and is not set either.
        """
        if not isinstance(data, dict):
            return data
        return {
            name: value
            for name, value in data.items()
            if name in EMPTY_IS_A_VALUE
            or not (value is None or (isinstance(value, str) and not value.strip()))
        }

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        """Reject URLs whose driver we cannot run asynchronously, before anything starts.

        ``postgresql://`` and ``sqlite://`` mean the asynchronous drivers. A host or port that
        cannot be read is refused here rather than as a traceback from the driver, and
        libpq's ``sslmode=`` (as hosting providers write their URLs) becomes asyncpg's
        ``ssl=``, which takes the same values.
        """
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            if value.startswith(("postgresql://", "postgres://")):
                value = "postgresql+asyncpg://" + value.split("://", 1)[1]
            elif value.startswith("sqlite://"):
                value = "sqlite+aiosqlite://" + value.split("://", 1)[1]
            else:
                raise ValueError("use a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - read for its ValueError on a port that is no number
        except ValueError as error:
            raise ValueError(f"not a database URL ({error})") from error
        query = parse_qsl(parts.query, keep_blank_values=True)
        if value.startswith("postgresql+asyncpg://") and "sslmode" in dict(query):
            ssl = [("ssl" if name == "sslmode" else name, item) for name, item in query]
            value = urlunsplit(parts._replace(query=urlencode(ssl)))
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str) -> str:
        """A bot username as Telegram shows it (``@`` optional), used to build ``t.me`` links."""
        value = value.strip().removeprefix("@")
        if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("must be the bot's username, like MissionLocaleBot")
        return value

    @field_validator("whatsapp_phone_number_id")
    @classmethod
    def _phone_number_id(cls, value: str) -> str:
        """The id Meta shows is digits only; a phone number pasted here would fail every send."""
        value = value.strip()
        if value and not re.fullmatch(r"[0-9]{5,30}", value):
            raise ValueError(
                "must be the phone number id (digits) from the Meta app, not a number"
            )
        return value

    @field_validator(*REQUIRED_BY_A_CHANNEL)
    @classmethod
    def _needed_by_a_channel(cls, value: str, info: ValidationInfo) -> str:
        """A channel turned on without a setting it needs stops start-up with the others.

        Checked here rather than when the channel starts, so that the missing token is listed
        with every other wrong value, by every command, before anything is written.
        """
        if value.strip() or info.field_name is None:
            return value
        reason = channel_requirement(info.field_name, info.data)
        if reason is not None:
            raise PydanticCustomError(
                MISSING_SETTING, "required when {reason}", {"reason": reason}
            )
        return value

    @field_validator("whatsapp_api_version")
    @classmethod
    def _graph_version(cls, value: str) -> str:
        """A Graph API version as it appears in the URL."""
        value = value.strip()
        if not re.fullmatch(r"v[0-9]{1,3}\.[0-9]{1,2}", value):
            raise ValueError("must be a Graph API version like v23.0")
        return value

    @field_validator("whatsapp_number")
    @classmethod
    def _business_number(cls, value: str) -> str:
        """An international number, so the ``wa.me`` link on a poster reaches us."""
        digits = re.sub(r"[\s.()-]", "", value)
        if digits and not re.fullmatch(r"\+?[1-9][0-9]{6,14}", digits):
            raise ValueError("must be the business number in international form, like +33937...")
        return digits

    @field_validator("whatsapp_templates")
    @classmethod
    def _templates(cls, value: str) -> str:
        """Every item must read ``kind=name:language``, so a typo fails at start-up."""
        whatsapp_templates(value)
        return value

    @field_validator("quiet_hours_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """A time zone the system knows, so a typo fails at start-up, not at the first send."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("must be a time zone name, like Europe/Paris") from error
        return value

    @field_validator("quiet_days")
    @classmethod
    def _week_days(cls, value: str) -> str:
        """Only English week-day names, so "dimanche" or "sun" cannot silently mean nothing."""
        week_days(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        """Each item must be an IP address or network, so a typo cannot trust everyone."""
        proxy_networks(value)
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        """Only locales that bot/ provides are accepted."""
        if value not in {"fr", "en"}:
            raise ValueError("must be fr or en")
        return value

    @field_validator("team_phone")
    @classmethod
    def _team_phone(cls, value: str) -> str:
        """Young people will dial it: a number that does not parse is refused at start-up."""
        value = " ".join(value.split())
        if value and parse_phone(value) is None:
            raise ValueError("must be a phone number the team answers")
        return value

    @field_validator("smtp_password")
    @classmethod
    def _smtp_login(cls, value: str, info: ValidationInfo) -> str:
        """A password alone would be silently ignored: say so at start-up."""
        if value and not info.data.get("smtp_user"):
            raise ValueError("needs OUTREACH_SMTP_USER too")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _smtp_sender(cls, value: str, info: ValidationInfo) -> str:
        """A relay without a sender address would fail at the first e-mail: fail at start-up."""
        value = value.strip()
        if info.data.get("smtp_host") and not re.search(r"[^@\s<]+@[^@\s>]+\.[^@\s>]+", value):
            raise ValueError("must be the sender's e-mail address when OUTREACH_SMTP_HOST is set")
        return value

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``var_dir``."""
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'outreach.db'}"

    @property
    def nlu_cache_dir(self) -> Path:
        """Where the embedded classifier and the sentence encoder's weights are cached."""
        return self.var_dir / "nlu-cache"

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening on ``host:port``.

        Unless OUTREACH_PUBLIC_URL is set (in the environment or ``.env``), the links the
        server prints and builds (the first admin's set-up link, QR landing pages,
        invitations) point at the address it listens on rather than the default port.
        """
        if "public_url" in self.model_fields_set:
            return self
        return self.model_copy(update={"public_url": AnyHttpUrl(local_url(host, port))})


def local_url(host: str, port: int) -> str:
    """The address this machine reaches a server listening on ``host:port`` at.

    A wildcard address (all interfaces) is reached on loopback; an IPv6 one goes in brackets.
    """
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - recognised, not bound to
        host = "::1" if host == "::" else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def channel_requirement(field: str, valid: dict[str, Any]) -> str | None:
    """Why a channel needs ``field``, given the settings validated so far; None if it does not.

    Args:
        field: one of :data:`REQUIRED_BY_A_CHANNEL`, found empty.
        valid: the settings declared before it that were valid (pydantic's ``info.data``); a
            channel switch that was itself wrong is reported on its own line, not here.
    """
    provider = valid.get("sms_provider")
    if field.startswith("whatsapp_"):
        return f"{ENV_PREFIX}WHATSAPP_TOKEN is set" if valid.get("whatsapp_token") else None
    if field.startswith("smsgateway_"):
        return (
            f"{ENV_PREFIX}SMS_PROVIDER=smsgateway" if provider is SmsProvider.SMSGATEWAY else None
        )
    if provider is not SmsProvider.TWILIO:
        return None
    if field == "twilio_from":
        # Twilio sends from the poster's number unless told otherwise.
        if valid.get("sms_number"):
            return None
        return f"{ENV_PREFIX}SMS_PROVIDER=twilio and {ENV_PREFIX}SMS_NUMBER is empty"
    return f"{ENV_PREFIX}SMS_PROVIDER=twilio"


WEEK_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_days(value: str) -> frozenset[int]:
    """``OUTREACH_QUIET_DAYS`` parsed: ``"saturday, sunday"`` → ``{5, 6}`` (Monday is 0).

    Raises:
        ValueError: an item is not an English week-day name.
    """
    days: set[int] = set()
    for item in value.split(","):
        name = item.strip().lower()
        if not name:
            continue
        if name not in WEEK_DAYS:
            raise ValueError(f"{name!r} is not a week day; use names like sunday")
        days.add(WEEK_DAYS.index(name))
    return frozenset(days)


TEMPLATE_RE: Final = re.compile(
    r"(?P<kind>[a-z_]+|\*)=(?P<name>[a-z0-9_]{1,512}):(?P<language>[a-z]{2,3}(_[A-Z]{2})?)"
)


def whatsapp_templates(value: str) -> dict[str, tuple[str, str]]:
    """``OUTREACH_WHATSAPP_TEMPLATES`` parsed: ``"counsellor=msg_conseiller:fr"`` →
    ``{"counsellor": ("msg_conseiller", "fr")}``.

    Raises:
        ValueError: an item is not ``kind=name:language`` (Meta's template names are lower
            case letters, digits and underscores; languages are codes like ``fr`` or
            ``en_US``).
    """
    templates: dict[str, tuple[str, str]] = {}
    for item in value.split(","):
        if not item.strip():
            continue
        match = TEMPLATE_RE.fullmatch(item.strip())
        if match is None:
            raise ValueError(f"{item.strip()!r} is not kind=template_name:language")
        templates[match["kind"]] = (match["name"], match["language"])
    return templates


@functools.cache
def proxy_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``OUTREACH_TRUSTED_PROXIES`` parsed: ``127.0.0.1, 10.0.0.0/8`` → two networks.

    Raises:
        ValueError: an item is not an address or network.
    """
    return tuple(
        ip_network(item.strip(), strict=False) for item in value.split(",") if item.strip()
    )


OTHER_VARIABLES: Final = frozenset(
    {
        # The Rasa action server (actions/api_client.py), which may share the env file.
        "OUTREACH_API_URL",
        "OUTREACH_API_TOKEN",
        "OUTREACH_API_TIMEOUT",
        # The test suite and the benchmarks.
        "OUTREACH_TEST_POSTGRES_URL",
        "OUTREACH_FUZZ_EXAMPLES",
        "OUTREACH_BOT_BIN",
        "OUTREACH_SIMULATION_LEADS",
    }
)
"""``OUTREACH_*`` variables that other parts of the project read: not typos."""


def unknown_variables() -> list[str]:
    """A warning for each ``OUTREACH_*`` variable that no setting reads, with the likely name.

    ``OUTREACH_DATABSE_URL=postgresql://...`` would otherwise be silently ignored, and the bot
    would start on the default SQLite file. Looked for in the environment and in the ``.env``
    files that :class:`Settings` reads, in alphabetical order.
    """
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    names = {name.upper() for name in os.environ}
    for path in _env_files():
        if path.is_file():
            names.update(name.upper() for name in dotenv_values(path, encoding="utf-8"))
    warnings = []
    for name in sorted(names - known - OTHER_VARIABLES):
        if not name.startswith(ENV_PREFIX):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{name} is not a setting of outreach-bot and is ignored{hint}")
    return warnings


def describe_errors(error: ValidationError) -> list[str]:
    """Every wrong setting in ``error``, one line each naming its variable, as the contract asks.

    An operator fixing a ``.env`` sees them all at once instead of restarting once per mistake.
    The lines follow the order of the settings in :class:`Settings` (that of the reference
    page), so the same configuration always prints the same lines; a variable that fails two
    ways gets the first only. Each line says what was given (never a secret's value, nor a
    database password) and what is expected.
    """
    order = {name: index for index, name in enumerate(Settings.model_fields)}
    lines: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        lines.setdefault(field, describe_problem(field, problem))
    return [lines[field] for field in sorted(lines, key=lambda name: order.get(name, -1))]


def describe_problem(field: str, problem: ErrorDetails) -> str:
    """One line for one wrong setting: ``OUTREACH_<NAME>: got <value>; <what would do>``."""
    variable = f"{ENV_PREFIX}{field.upper()}"
    if problem["type"] == MISSING_SETTING:
        return f"{variable}: not set; {problem['msg']}"
    given = shown_value(field, problem.get("input"))
    if problem["type"] == "value_error":
        # Our own validators' sentences already say what is expected.
        reason = str(problem.get("ctx", {}).get("error", problem["msg"]))
    elif field in Settings.model_fields:
        reason = "expected " + expected_value(field)
    else:
        reason = problem["msg"]
    return f"{variable}: got {given}; {reason}"


def shown_value(field: str, value: object) -> str:
    """A given value as an error may repeat it: secrets hidden, database passwords masked."""
    if not isinstance(value, str):
        return repr(value)
    if not value.strip():
        return "an empty value"
    if SECRET_WORDS.search(field):
        return "a value (hidden: it is a secret)"
    if field == "database_url":
        value = masked_url(value)
    return repr(value if len(value) <= SHOWN_LENGTH else value[: SHOWN_LENGTH - 3] + "...")


def masked_url(url: str) -> str:
    """A database URL fit for an error line: ``postgresql://outreach:***@db/outreach``."""
    return re.sub(r"://([^/@:]*):.*@", r"://\1:***@", url)


def expected_value(field: str) -> str:
    """What a setting accepts, in words: ``a whole number, at least 1``, ``HH:MM``..."""
    info = Settings.model_fields[field]
    kinds = []
    optional = False
    annotation = info.annotation
    for kind in getattr(annotation, "__args__", None) or (annotation,):
        if kind is type(None):
            optional = True
        elif isinstance(kind, type) and issubclass(kind, StrEnum):
            kinds.append(" or ".join(repr(member.value) for member in kind))
        else:
            kinds.append(_KIND_WORDS.get(kind, getattr(kind, "__name__", str(kind))))
    words = " or ".join(kinds)
    signs = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    for constraint in info.metadata:
        for attribute, sign in signs.items():
            bound = getattr(constraint, attribute, None)
            if bound is not None:
                words += f", {sign} {bound}"
    return words + (", or empty" if optional else "")


_KIND_WORDS: Final[dict[object, str]] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    Path: "a path",
    AnyHttpUrl: "a URL starting with http:// or https://",
    time: "a time of day as HH:MM, from 00:00 to 23:59",
}
