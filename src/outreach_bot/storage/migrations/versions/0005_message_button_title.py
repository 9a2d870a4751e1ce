"""funder role; messages keep the title of the button chosen

The read-only ``funder`` role needs no schema change (``users.role`` is a plain string checked
by the application). What does: an inbound message that is a button press keeps the button's
title, so the team's transcript shows "Corriger" rather than the ``/deny`` it sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach_bot.storage.crypto

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("button_title", outreach_bot.storage.crypto.EncryptedText(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("button_title")
