"""contact lists: writing first (obligation de formation, re-contact) and the do-not-contact list

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from outreach_bot.storage.crypto import EncryptedText

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("legal_basis", sa.String(length=30), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_by_name", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purge_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("contact_representatives", sa.Boolean(), nullable=False),
        sa.Column("daily_budget", sa.Integer(), nullable=False),
        sa.Column("pace_per_minute", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_contact_lists_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by"],
            ["users.id"],
            name=op.f("fk_contact_lists_imported_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_lists")),
    )
    op.create_index(
        op.f("ix_contact_lists_campaign_id"), "contact_lists", ["campaign_id"], unique=False
    )
    op.create_index(op.f("ix_contact_lists_purge_on"), "contact_lists", ["purge_on"], unique=False)
    op.create_table(
        "contact_list_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("first_name", EncryptedText(), nullable=False),
        sa.Column("phone", EncryptedText(), nullable=False),
        sa.Column("birth_date", EncryptedText(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("commune_name", sa.String(length=100), nullable=False),
        sa.Column("representative_phone", EncryptedText(), nullable=True),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("representative_conversation_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_contact_list_rows_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["contact_lists.id"],
            name=op.f("fk_contact_list_rows_list_id_contact_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["representative_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_contact_list_rows_representative_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_list_rows")),
        sa.UniqueConstraint(
            "list_id", "phone_hash", name=op.f("uq_contact_list_rows_list_id")
        ),
    )
    op.create_index(
        op.f("ix_contact_list_rows_conversation_id"),
        "contact_list_rows",
        ["conversation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_contact_list_rows_list_id"), "contact_list_rows", ["list_id"], unique=False
    )
    op.create_index(
        op.f("ix_contact_list_rows_phone_hash"), "contact_list_rows", ["phone_hash"], unique=False
    )
    op.create_table(
        "do_not_contact",
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("phone_hash", name=op.f("pk_do_not_contact")),
    )


def downgrade() -> None:
    op.drop_table("do_not_contact")
    op.drop_index(op.f("ix_contact_list_rows_phone_hash"), table_name="contact_list_rows")
    op.drop_index(op.f("ix_contact_list_rows_list_id"), table_name="contact_list_rows")
    op.drop_index(op.f("ix_contact_list_rows_conversation_id"), table_name="contact_list_rows")
    op.drop_table("contact_list_rows")
    op.drop_index(op.f("ix_contact_lists_purge_on"), table_name="contact_lists")
    op.drop_index(op.f("ix_contact_lists_campaign_id"), table_name="contact_lists")
    op.drop_table("contact_lists")
