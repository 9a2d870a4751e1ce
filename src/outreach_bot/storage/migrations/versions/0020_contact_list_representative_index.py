"""contact lists: an index on the representative's conversation

Every inbound message asks whether a list's first message waits for its answer, for the young
person's conversation and for a legal representative's; without this index the second half of
that question read the whole table.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_contact_list_rows_representative_conversation_id"),
        "contact_list_rows",
        ["representative_conversation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_contact_list_rows_representative_conversation_id"),
        table_name="contact_list_rows",
    )
