"""partner directory, partner accounts and referrals

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from outreach_bot.storage.crypto import EncryptedText

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "partner_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("website", sa.String(300), nullable=False),
        sa.Column("commune_name", sa.String(100), nullable=False),
        sa.Column("source", sa.String(60), nullable=True),
        sa.Column("source_id", sa.String(120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_organisations")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_partner_organisations_source")),
    )
    op.create_table(
        "partner_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("themes", sa.String(500), nullable=False),
        sa.Column("area", sa.String(1000), nullable=False),
        sa.Column("area_label", sa.String(300), nullable=False),
        sa.Column("contact", sa.String(300), nullable=False),
        sa.Column("referral_email", sa.String(254), nullable=False),
        sa.Column("source", sa.String(60), nullable=True),
        sa.Column("source_id", sa.String(120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _moment("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisations.id"],
            name=op.f("fk_partner_services_organisation_id_partner_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_services")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_partner_services_source")),
    )
    op.create_index(
        op.f("ix_partner_services_organisation_id"), "partner_services", ["organisation_id"]
    )
    op.create_table(
        "partner_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisations.id"],
            name=op.f("fk_partner_members_organisation_id_partner_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_partner_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_partner_members")),
    )
    op.create_index(
        op.f("ix_partner_members_organisation_id"), "partner_members", ["organisation_id"]
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", EncryptedText(), nullable=True),
        sa.Column("shared", EncryptedText(), nullable=True),
        sa.Column("partner_note", EncryptedText(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        _moment("link_expires_at"),
        sa.Column("email_status", sa.String(20), nullable=True),
        _moment("proposed_at", nullable=False),
        _moment("answered_at"),
        _moment("sent_at"),
        _moment("partner_answered_at"),
        _moment("outcome_at"),
        _moment("reminded_at"),
        _moment("closed_at"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_referrals_lead_id_leads"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_referrals_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisations.id"],
            name=op.f("fk_referrals_organisation_id_partner_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["partner_services.id"],
            name=op.f("fk_referrals_service_id_partner_services"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_referrals_proposed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name=op.f("fk_referrals_consent_id_consents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_referrals_token_hash")),
    )
    op.create_index(op.f("ix_referrals_lead_id"), "referrals", ["lead_id"])
    op.create_index(op.f("ix_referrals_conversation_id"), "referrals", ["conversation_id"])
    op.create_index(op.f("ix_referrals_organisation_id"), "referrals", ["organisation_id"])
    op.create_index("ix_referrals_open", "referrals", ["status", "sent_at"])


def downgrade() -> None:
    op.drop_table("referrals")
    op.drop_table("partner_members")
    op.drop_table("partner_services")
    op.drop_table("partner_organisations")
