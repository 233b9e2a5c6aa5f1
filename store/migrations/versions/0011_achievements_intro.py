"""the plan's own line under its achievements heading

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-03 06:40:00

Two nullable columns on the partnership row. A store seeded from the packaged Wycombe plan before
this revision gets the plan's line now, matched by the plan's title; any other plan keeps none until
its data file gives one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partnerships") as batch_op:
        batch_op.add_column(sa.Column("achievements_intro", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("achievements_intro_year", sa.String(length=7), nullable=True))
    from store.plan_data import load_plan

    packaged = load_plan().partnership
    partnerships = sa.table(
        "partnerships",
        sa.column("plan_title", sa.String),
        sa.column("achievements_intro", sa.Text),
        sa.column("achievements_intro_year", sa.String),
    )
    op.execute(
        partnerships.update()
        .where(partnerships.c.plan_title == packaged.plan_title)
        .values(
            achievements_intro=packaged.achievements_intro,
            achievements_intro_year=packaged.achievements_intro_year,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("partnerships") as batch_op:
        batch_op.drop_column("achievements_intro_year")
        batch_op.drop_column("achievements_intro")
