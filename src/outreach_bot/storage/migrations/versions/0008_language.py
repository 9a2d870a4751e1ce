"""the language a young person chose: on the conversation (a BCP 47 code) and on the lead

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGE_LENGTH = 35
"""Enough for any BCP 47 tag a team may use (``fr-x-falc`` is 9)."""


def upgrade() -> None:
    # SQLite does not enforce a VARCHAR's length, and rebuilding the table to change it would
    # cascade-delete its messages: the model keeps VARCHAR(5) there (storage/models.py).
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "conversations",
            "locale",
            type_=sa.String(length=LANGUAGE_LENGTH),
            existing_type=sa.String(length=5),
            existing_nullable=False,
        )
    op.add_column(
        "leads",
        sa.Column(
            "language",
            sa.String(length=LANGUAGE_LENGTH),
            nullable=False,
            server_default="fr",
        ),
    )


def downgrade() -> None:
    op.drop_column("leads", "language")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "conversations",
            "locale",
            type_=sa.String(length=5),
            existing_type=sa.String(length=LANGUAGE_LENGTH),
            existing_nullable=False,
        )
