"""known sign-in addresses: a team's own address is not locked by someone else's guesses

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_hash", sa.String(length=64), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_sign_ins")),
        sa.UniqueConstraint("account_hash", "ip_hash", name=op.f("uq_known_sign_ins_account_hash")),
    )
    op.create_index(op.f("ix_known_sign_ins_last_at"), "known_sign_ins", ["last_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_known_sign_ins_last_at"), table_name="known_sign_ins")
    op.drop_table("known_sign_ins")
