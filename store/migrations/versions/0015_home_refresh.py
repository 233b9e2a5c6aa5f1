"""App Home refreshes: an index for "recent achievements", and the refreshes a stopping worker owed

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_refresh_owed",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("owed_since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    # the directions match the ORDER BY of the newest-first list, so a LIMIT 5 reads 5 index entries
    op.create_index(
        "ix_achievements_recent",
        "achievements",
        [
            "status",
            sa.text("plan_year DESC"),
            sa.text("achieved_on DESC"),
            "position",
            sa.text("logged_at DESC"),
            sa.text("id DESC"),
        ],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_achievements_recent", table_name="achievements")
    op.drop_table("home_refresh_owed")
