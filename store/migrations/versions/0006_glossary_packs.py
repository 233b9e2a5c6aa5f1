"""glossary packs: per-partnership settings and hidden entries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:45:00

Both tables belong to every partnership's store (the main one and each schema or file), since
each partnership switches packs and hides entries for itself. No row means a pack is on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "glossary_pack_settings",
        sa.Column("pack", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pack"),
    )
    op.create_table(
        "glossary_pack_hidden",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("hidden_by", sa.String(length=64), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pack", "entry_id", name="uq_glossary_pack_hidden_entry"),
    )


def downgrade() -> None:
    op.drop_table("glossary_pack_hidden")
    op.drop_table("glossary_pack_settings")
