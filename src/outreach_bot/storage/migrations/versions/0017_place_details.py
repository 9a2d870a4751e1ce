"""places: a phone number, opening hours per weekday and walk-in yes/no

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("local_places", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone", sa.String(length=30), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("walk_in", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("weekly_hours", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("local_places", schema=None) as batch_op:
        batch_op.drop_column("weekly_hours")
        batch_op.drop_column("walk_in")
        batch_op.drop_column("phone")
