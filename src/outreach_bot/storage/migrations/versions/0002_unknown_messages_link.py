"""not-understood messages belong to their conversation and go when it is erased

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Rows stored before this revision had no link, so a young person's SUPPRIMER left them behind.
The upgrade links each of them to the conversation it came from: the service stored the gap
and the inbound transcript line in one transaction with the same timestamp, so the inbound
message with exactly that ``created_at`` is its origin (linked only when exactly one matches).
A gap whose origin no longer exists belonged to a conversation that was already erased or
purged: it is deleted, as the erasure should have done. A gap with several candidates stays
unlinked and goes with the retention purge of the quality-loop texts. The texts themselves are
not rewritten (they are encrypted and a migration has no key): phone numbers and e-mail
addresses are blanked from new rows only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORIGINS = (
    "FROM messages WHERE messages.direction = 'in' AND messages.created_at = nlu_gaps.created_at"
)


def upgrade() -> None:
    """Add the link, fill it from the transcript, drop what outlived its conversation."""
    with op.batch_alter_table("nlu_gaps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_nlu_gaps_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_nlu_gaps_conversation_id_conversations"),
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.execute(
        f"UPDATE nlu_gaps SET conversation_id = (SELECT messages.conversation_id {_ORIGINS}) "  # noqa: S608 - constant SQL
        f"WHERE (SELECT count(*) {_ORIGINS}) = 1"
    )
    op.execute(
        f"DELETE FROM nlu_gaps WHERE conversation_id IS NULL AND NOT EXISTS (SELECT 1 {_ORIGINS})"  # noqa: S608 - constant SQL
    )


def downgrade() -> None:
    """Remove the link (the deleted rows do not come back)."""
    with op.batch_alter_table("nlu_gaps", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_nlu_gaps_conversation_id_conversations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_nlu_gaps_conversation_id"))
        batch_op.drop_column("conversation_id")
