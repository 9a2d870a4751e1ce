"""visit alerts: "préviens-moi quand vous passez près de chez moi"

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("commune_name", sa.String(length=100), nullable=False),
        sa.Column("consent_version", sa.String(length=40), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_visit_alerts_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_alerts")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_visit_alerts_conversation_id")),
    )
    op.create_index(
        op.f("ix_visit_alerts_commune_insee"), "visit_alerts", ["commune_insee"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_visit_alerts_commune_insee"), table_name="visit_alerts")
    op.drop_table("visit_alerts")
