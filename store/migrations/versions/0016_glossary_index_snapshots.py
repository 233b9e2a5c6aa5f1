"""Saved glossary indexes: a large glossary's index is loaded by the next process, not built again

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "glossary_index_snapshots",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", "fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("glossary_index_snapshots")
