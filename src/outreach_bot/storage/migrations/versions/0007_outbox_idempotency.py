"""outbox leases and parts sent

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-04

A row being sent now records which dispatcher holds it (``claim_token``) and until when
(``lease_until``, renewed while the send lasts), so a slow send is never taken over by another
dispatcher; ``parts_sent`` lets a retry of a split Telegram message skip the parts already out.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claim_token")
