"""local places: the Mission Locale's offices and the team's permanences and events

Revision ID: 0004
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "local_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("commune_name", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("hours", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_local_places_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_places")),
    )
    op.create_index(
        op.f("ix_local_places_held_on"), "local_places", ["held_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_local_places_held_on"), table_name="local_places")
    op.drop_table("local_places")
