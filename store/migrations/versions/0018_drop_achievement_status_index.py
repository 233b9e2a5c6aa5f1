"""The achievements' index on status alone goes: ix_achievements_recent starts with status and serves
every query that one did, and each log wrote both

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:00:00
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_achievements_status", table_name="achievements")


def downgrade() -> None:
    op.create_index("ix_achievements_status", "achievements", ["status"])
