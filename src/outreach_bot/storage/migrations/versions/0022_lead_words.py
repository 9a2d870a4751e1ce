"""lead_words: the blind search index of leads (keyed hashes of their words)

The rows are written at the next start, not here: their key derives from the secret key,
which migrations do not read (``storage.search_index.ensure_search_index``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_words",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_words_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", "lead_id", name=op.f("pk_lead_words")),
    )
    op.create_index(op.f("ix_lead_words_lead_id"), "lead_words", ["lead_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lead_words_lead_id"), table_name="lead_words")
    op.drop_table("lead_words")
