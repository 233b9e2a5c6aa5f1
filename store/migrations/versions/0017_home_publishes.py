"""When each person's App Home publish last started, shared by every worker

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_publishes",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("started", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("home_publishes")
