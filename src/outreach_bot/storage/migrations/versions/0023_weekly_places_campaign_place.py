"""places held every week (weekday, start, end, until); a campaign's event linked to its place

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("local_places", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_weekday", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("repeat_start", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("repeat_end", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("repeat_until", sa.Date(), nullable=True))
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_place_id_local_places"),
            "local_places",
            ["place_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_place_id_local_places"), type_="foreignkey"
        )
        batch_op.drop_column("place_id")
    with op.batch_alter_table("local_places", schema=None) as batch_op:
        batch_op.drop_column("repeat_until")
        batch_op.drop_column("repeat_end")
        batch_op.drop_column("repeat_start")
        batch_op.drop_column("repeat_weekday")
