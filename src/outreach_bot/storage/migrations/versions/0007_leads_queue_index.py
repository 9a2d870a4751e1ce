"""index for the queue's order (urgent first, then oldest)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_leads_order", "leads", [sa.column("urgent").desc(), "created_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_leads_order", table_name="leads")
