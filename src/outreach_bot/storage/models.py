"""Database tables. Personal fields are :class:`EncryptedText`; lookups use keyed hashes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from outreach_bot.storage.crypto import EncryptedBytes, EncryptedText

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, the only kind of timestamp we store."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names that Alembic can diff on every backend."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Base.metadata, "after_drop")
def _drop_version_table(_target: MetaData, connection: Connection, **_kw: object) -> None:
    """``drop_all`` (tests) also drops Alembic's version table, which ``create_all`` stamps.

    Otherwise an emptied database would still claim the head revision, and the next
    ``db upgrade`` would find nothing to do (see ``migrate.stamp_head``).
    """
    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


class Direction(StrEnum):
    """Which way a message went."""

    INBOUND = "in"
    OUTBOUND = "out"


class Author(StrEnum):
    """Who wrote a message."""

    YOUNG_PERSON = "young_person"
    BOT = "bot"
    COUNSELLOR = "counsellor"


class OutboxStatus(StrEnum):
    """Life of an outbound message on a channel that sends asynchronously."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Sector(Base):
    """A territory of the team; leads go to the sector that covers the young person's commune.

    ``rules`` are ``dep:55``, ``arr:553``, ``insee:55545`` or ``cp:55100``; the most specific wins.
    """

    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A back-office account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountLink(Base):
    """A one-time link to choose a password: an invitation, or a reset.

    Only the token's SHA-256 is stored. ``used_at`` is set by the one request that spends it
    (a conditional UPDATE), and a link past ``expires_at`` opens nothing.
    """

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AdminSession(Base):
    """A signed-in back-office session; deleting the row signs that browser out at once.

    The cookie holds a random session id; only its SHA-256 is stored, so a database dump opens
    no session. Logout deletes one row; a password change or a deactivation deletes them all.
    """

    __tablename__ = "admin_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class UserSector(Base):
    """Which sectors a counsellor works in."""

    __tablename__ = "user_sectors"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sector_id: Mapped[int] = mapped_column(
        ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True
    )


class Campaign(Base):
    """An outreach event or poster with its own code, to see what each one produced."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    # The event's place in Lieux, so that the bot gives it and nobody types it twice; ``place``
    # then holds its label for the figures and the CSV.
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_places.id", ondelete="SET NULL")
    )
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignScan(Base):
    """One opening of a campaign's landing page; deliberately no IP address or user agent."""

    __tablename__ = "campaign_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Conversation(Base):
    """One young person on one channel. ``sender_hash`` finds it; ``sender_ref`` lets us reply."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "sender_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender_hash: Mapped[str] = mapped_column(String(64))
    sender_ref: Mapped[str | None] = mapped_column(EncryptedText)
    # SQLite ignores a VARCHAR's length, and widening it there would rebuild the table (and
    # cascade-delete its messages): the column keeps its first declaration on SQLite.
    locale: Mapped[str] = mapped_column(String(35).with_variant(String(5), "sqlite"), default="fr")
    """The language the young person reads (BCP 47: ``fr``, ``fr-x-falc``, ``ar``...)."""
    state: Mapped[str | None] = mapped_column(EncryptedText)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    takeover_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    takeover_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Message(Base):
    """A transcript line. Inbound lines are deduplicated by the channel's own message id."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "direction", "channel_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    author: Mapped[str] = mapped_column(String(20))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str | None] = mapped_column(EncryptedText)
    #: For a button the young person chose: its title as they saw it ("Corriger"), since
    #: ``text`` holds the payload it sent (``/deny``) or, on SMS, its number.
    button_title: Mapped[str | None] = mapped_column(EncryptedText)
    channel_message_id: Mapped[str | None] = mapped_column(String(100))
    intent: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MediaStatus(StrEnum):
    """Whether a received file may be kept: ``held`` until the young person answers the consent
    question, ``kept`` once they agreed (or a request of theirs is already with the team)."""

    HELD = "held"
    KEPT = "kept"


class MediaFile(Base):
    """A voice note, photo or document a young person sent, for the counsellor to hear or see.

    ``data`` is the file itself, encrypted like every personal field (and loaded only when a
    counsellor opens it). A ``held`` file waits for consent: it is attached to the lead
    (``kept``) when the person agrees, deleted when they refuse, and dropped by the purge when
    they never answer. It goes with its conversation (SUPPRIMER, an admin's erasure, retention).
    """

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    #: The transcript line that says a file came.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    """``voice``, ``audio``, ``photo`` or ``document``, as the channel said."""
    content_type: Mapped[str] = mapped_column(String(100))
    """Read from the file's own first bytes, never taken from the sender's word."""
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(8), default=MediaStatus.HELD)
    data: Mapped[bytes] = mapped_column(EncryptedBytes, deferred=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class OutboxItem(Base):
    """An outbound message waiting for, or done with, a channel that sends asynchronously.

    Written in the same transaction as the reply is decided, so a crash loses nothing; the
    unique ``dedupe_key`` means a retried decision never queues the same message twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[str] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    segments: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # While ``sending``: which dispatcher holds the row, and until when unless it renews.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Parts of a split message (Telegram) the provider accepted before an attempt failed.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Higher leaves first: a crisis reply (outbox.CRISIS_PRIORITY) before older ordinary rows.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ScheduledStatus(StrEnum):
    """Life of a scheduled message: waiting, then sent, cancelled, skipped or too late."""

    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    EXPIRED = "expired"


class ScheduledMessage(Base):
    """A message to send later (a reminder, a re-engagement, a counsellor's "send later").

    A row, never a timer in memory, so a restart or a redeploy loses none. The scheduler
    claims due rows through ``ix_scheduled_due`` (status, then due time), so a tick reads only
    what is due however many rows wait; when it sends one it writes the outbox row and marks
    this one sent in the same transaction. ``payload`` is JSON, encrypted: a counsellor's own
    text, or a message key of ``bot/`` with its values, rendered in the person's language at
    send time.
    """

    __tablename__ = "scheduled_messages"
    __table_args__ = (Index("ix_scheduled_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[str] = mapped_column(EncryptedText)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Past this moment the message makes no sense any more (a reminder after the meeting).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default=ScheduledStatus.PENDING)
    #: Why it was cancelled or skipped, in a few words (never personal data).
    reason: Mapped[str | None] = mapped_column(String(60))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The transcript line it became once sent.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class AppointmentStatus(StrEnum):
    """How an appointment ended, or that it is still to come."""

    PLANNED = "planned"
    KEPT = "kept"
    MISSED = "missed"
    CANCELLED = "cancelled"
    """By the young person ("je ne peux pas venir")."""


class Appointment(Base):
    """A meeting a counsellor set with a young person, from the lead page.

    The place and the counsellor's name are the team's, not the young person's data, so they
    are stored in clear; the row goes with the lead when it is erased.
    """

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("local_places.id", ondelete="SET NULL")
    )
    place: Mapped[str] = mapped_column(String(200))
    with_whom: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.PLANNED)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VisitAlert(Base):
    """ "Préviens-moi quand vous passez près de chez moi": a young person's explicit request.

    ``consent_version`` names the text they said yes to; ``last_sent_at`` keeps alerts to one a
    week. The row goes with the conversation (SUPPRIMER, retention).
    """

    __tablename__ = "visit_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    commune_insee: Mapped[str] = mapped_column(String(5), index=True)
    commune_name: Mapped[str] = mapped_column(String(100))
    consent_version: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Consent(Base):
    """An explicit consent, recorded with the exact text version the young person agreed to."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text_version: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Lead(Base):
    """A warm lead in a sector's queue."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_queue", "sector_id", "status", "urgent", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="new")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    contact_here: Mapped[bool] = mapped_column(Boolean, default=False)
    age: Mapped[int | None] = mapped_column(Integer)
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    commune_name: Mapped[str | None] = mapped_column(String(100))
    need: Mapped[str | None] = mapped_column(EncryptedText)
    availability: Mapped[str | None] = mapped_column(EncryptedText)
    topic: Mapped[str | None] = mapped_column(String(40))
    #: For an urgent lead, what happened (a crisis kind: ``suicide``, ``violence``…); the team
    #: reads it in French on the alert and the card.
    urgency: Mapped[str | None] = mapped_column(String(20))
    false_alarm_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When a counsellor said this urgent lead was not one (it is no longer ``urgent``)."""
    language: Mapped[str] = mapped_column(String(35), default="fr", server_default="fr")
    """The language the young person chose (BCP 47): not French means an interpreter."""
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_action_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: How it ended (:class:`~outreach_bot.domain.leads.Outcome`), asked at closing; None while
    #: open, and for leads closed before outcomes were asked.
    outcome: Mapped[str | None] = mapped_column(String(20))


# The queue's order (urgent first, then oldest): a page of GET /api/leads reads this index in
# order instead of sorting every lead.
Index("ix_leads_order", Lead.urgent.desc(), Lead.created_at, Lead.id)


class LeadWord(Base):
    """One word of a lead (first name, commune, request) in the blind search index.

    The word itself is never stored: ``token`` is its keyed hash (``FieldCipher.search_token``),
    so the encrypted fields can be searched without decrypting every lead. Written by
    ``storage.search_index`` whenever a lead is written; goes with the lead (ON DELETE CASCADE).
    """

    __tablename__ = "lead_words"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class LeadEvent(Base):
    """History of a lead: status changes, notes, reassignments, by whom."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    #: The outcome a closing recorded (the history says how the lead ended).
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiTokenSector(Base):
    """A sector an API token is limited to; a token with no row here sees every sector."""

    __tablename__ = "api_token_sectors"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    sector_id: Mapped[int] = mapped_column(
        ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEntry(Base):
    """Who saw, exported or changed personal data, and when. Never the data itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class UnderstoodGap(Base):
    """A message the bot did not understand, kept for the quality loop.

    Its phone numbers and e-mail addresses are blanked before it is stored, and it is linked to
    its conversation so that it goes when that conversation is erased (SUPPRIMER, an admin,
    retention); the back office never shows whose it was. ``conversation_id`` is NULL only for
    rows the 0002 migration could not link.
    """

    __tablename__ = "nlu_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(EncryptedText)
    guess: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(40))
    labelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Setting(Base):
    """Small key/value store for runtime facts such as the one-time first-admin token hash."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoginFailure(Base):
    """A failed back-office login, kept briefly to throttle guessing. Hashes only, no address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_pair", "account_hash", "ip_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_hash: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class KnownSignIn(Base):
    """An account that signed in from an address lately. Hashes only, no address.

    The limit on failed sign-ins per address does not lock it out there: someone guessing from
    a shared office address (or from behind a proxy not listed in OUTREACH_TRUSTED_PROXIES)
    cannot lock out the team members who work from it. Kept 30 days after the last sign-in.
    """

    __tablename__ = "known_sign_ins"
    __table_args__ = (UniqueConstraint("account_hash", "ip_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_hash: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str] = mapped_column(String(64))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SubmittedForm(Base):
    """The one-time key of a back-office form already handled, so a double submit does nothing."""

    __tablename__ = "submitted_forms"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class FigureTally(Base):
    """Anonymous counts kept when a conversation is erased, so funders' figures never shrink.

    One row per (day, metric, campaign, sector) with a count; nothing links it to a person.
    """

    __tablename__ = "figure_tallies"
    __table_args__ = (UniqueConstraint("day", "metric", "campaign_id", "sector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    metric: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    count: Mapped[int] = mapped_column(Integer, default=0)


class LocalPlace(Base):
    """Where the team can be met: an office and its hours, or a dated permanence or event.

    Kept by the team in the back office and told by the bot, nearest first. Not personal data
    (a place, a date, opening hours), so stored in clear, unlike leads and transcripts.
    """

    __tablename__ = "local_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    commune_insee: Mapped[str] = mapped_column(String(5))
    commune_name: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date | None] = mapped_column(Date, index=True)
    hours: Mapped[str] = mapped_column(String(100), default="")
    # What practical questions ask ("votre numéro ?", "ouvert le samedi ?", "sans rendez-vous ?").
    phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    # None: the team has not said; the bot then says to call rather than guess.
    walk_in: Mapped[bool | None] = mapped_column(Boolean)
    # Weekday ("mon" … "sun") → the hours that day ("9h-12h, 14h-17h"); a day left out is closed.
    weekly_hours: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Held every week ("tous les mardis 14h-17h, jusqu'au …"): weekday 0 is Monday; held_on is
    # then the first session. All four are set together, or none.
    repeat_weekday: Mapped[int | None] = mapped_column(SmallInteger)
    repeat_start: Mapped[time | None] = mapped_column(Time)
    repeat_end: Mapped[time | None] = mapped_column(Time)
    repeat_until: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TextReview(Base):
    """A text approved in the back office (``core.texts``): the latest per language and key is
    in service, on top of ``bot/``, while the file still holds the text it was made on."""

    __tablename__ = "text_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(35))
    key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(200))
    reviewed_by: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    base: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the text of ``bot/`` the approval was made on ("" when the file had none)."""


class PartnerOrganisation(Base):
    """An organisation of the consortium that young people can be referred to.

    Public information (a directory, not anyone's data), so stored in clear. ``source`` and
    ``source_id`` remember the data·inclusion record it was imported from, so a second import
    of the same file updates it instead of adding a copy.
    """

    __tablename__ = "partner_organisations"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    commune_name: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str | None] = mapped_column(String(60))
    source_id: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartnerService(Base):
    """One service of a partner organisation: what it does, where, and who takes referrals.

    ``area`` holds the communes or territories covered as INSEE codes (a commune's five
    characters, a département's two or three), comma-separated; empty means everywhere the
    team works. ``referral_email`` receives the referrals; empty falls back to the
    organisation's e-mail.
    """

    __tablename__ = "partner_services"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[str] = mapped_column(String(500), default="")
    area: Mapped[str] = mapped_column(String(1000), default="")
    area_label: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    referral_email: Mapped[str] = mapped_column(String(254), default="")
    source: Mapped[str | None] = mapped_column(String(60))
    source_id: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartnerMember(Base):
    """A back-office account of role ``partner``: the organisation whose referrals it sees."""

    __tablename__ = "partner_members"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True
    )


class Referral(Base):
    """A young person proposed to a partner's service, with their answer and the partner's.

    What is shared (``shared``, JSON) is copied when the young person says yes, and only
    then; it and the counsellor's ``reason`` are encrypted. Erasure and the purge blank them
    and unlink the lead, and keep the dates and statuses, which say nothing about anyone
    and keep the figures whole. The partner's link is a random token of which only the
    SHA-256 is stored (``token_hash``), valid until ``link_expires_at``.
    """

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_open", "status", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="SET NULL"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_services.id", ondelete="SET NULL")
    )
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    shared: Mapped[str | None] = mapped_column(EncryptedText)
    partner_note: Mapped[str | None] = mapped_column(EncryptedText)
    outcome: Mapped[str | None] = mapped_column(String(20))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_status: Mapped[str | None] = mapped_column(String(20))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    partner_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContactList(Base):
    """A list of young people the team writes to first, and the campaign it sends.

    ``purpose`` and ``legal_basis`` say why the team may write (the obligation de formation,
    a public-service mission; or the person's earlier consent); ``purge_on`` is the day the
    rows of people who never answered are erased. The list is the team's, so its own columns
    are in clear; its rows are not.
    """

    __tablename__ = "contact_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(30))
    legal_basis: Mapped[str] = mapped_column(String(30))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_by_name: Mapped[str] = mapped_column(String(200), default="")
    """Kept in words too: the account may be deleted before the list's purge date."""
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    purge_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    contact_representatives: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_budget: Mapped[int] = mapped_column(Integer, default=200)
    """SMS of this campaign per Paris day; what is over waits for the next open morning."""
    pace_per_minute: Mapped[int] = mapped_column(Integer, default=20)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    figures_at_purge: Mapped[dict[str, int] | None] = mapped_column(JSON)
    """The rows' counts (sent, answered, STOP...) when the purge erased them: anonymous,
    and the campaign's figures do not shrink."""


class ContactListRow(Base):
    """One person of a contact list. Every personal field is encrypted; ``phone_hash`` (the
    same keyed hash an SMS conversation is found by) finds duplicates and STOPs without
    decrypting anything."""

    __tablename__ = "contact_list_rows"
    __table_args__ = (UniqueConstraint("list_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("contact_lists.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    first_name: Mapped[str] = mapped_column(EncryptedText)
    phone: Mapped[str] = mapped_column(EncryptedText)
    birth_date: Mapped[str] = mapped_column(EncryptedText)
    commune_insee: Mapped[str] = mapped_column(String(5))
    commune_name: Mapped[str] = mapped_column(String(100))
    representative_phone: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[str] = mapped_column(String(14), default="waiting")
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    representative_conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DoNotContact(Base):
    """A phone number that said STOP, on any list or channel: no list ever writes to it.

    Only the keyed hash of the number is kept (as ``ContactListRow.phone_hash``), and it
    outlives an erasure on purpose: honouring someone's objection means remembering it
    (RGPD art. 21), and the hash cannot be read back without the installation's secret.
    """

    __tablename__ = "do_not_contact"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(20))
