"""plans and plan years: a partnership's plans, priorities per plan, actions per plan year, joint leads

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:10:00

The partnership row's plan columns move to a ``plans`` row (the Wycombe store's 2017–2020 plan).
Priorities get an id and belong to a plan; actions get an id and belong to a plan year (ref unique
within the year), with their lead in ``action_leads``; achievements and actions keep the priority's
number without a foreign key, the plan being the one whose period covers their year. Organisations
can be retired and say what succeeded them.

Each rebuilt table is created under a new name, filled, its old self dropped (children first) and
the new one renamed: SQLite enforces foreign keys inside the migration's transaction, so a parent
table with rows pointing at it cannot be copied in place, and its RENAME rewrites the references.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("updated", sa.String(length=80), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("achievements_intro", sa.Text(), nullable=True),
        sa.Column("achievements_intro_year", sa.String(length=7), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind.execute(
        sa.text(
            "INSERT INTO plans (id, title, updated, period_start, period_end, source, achievements_intro,"
            " achievements_intro_year, created_by, created_at)"
            " SELECT id, plan_title, plan_updated, plan_start, plan_end, NULL, achievements_intro,"
            " achievements_intro_year, 'plan', CURRENT_TIMESTAMP FROM partnerships"
        )
    )
    plan_id = bind.execute(sa.text("SELECT MIN(id) FROM plans")).scalar()
    with op.batch_alter_table("partnerships") as batch_op:
        for column in (
            "plan_title", "plan_updated", "plan_start", "plan_end", "achievements_intro", "achievements_intro_year",
        ):  # fmt: skip
            batch_op.drop_column(column)
    # added in place: copying organisations would trip the rows that point at it
    op.add_column(
        "organisations", sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("organisations", sa.Column("successor", sa.String(length=16), nullable=True))

    op.create_table(
        "priorities_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("achievements_heading", sa.String(length=200), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "number", name="uq_priorities_plan_number"),
    )
    op.create_table(
        "actions_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("plan_year", sa.String(length=7), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", _STAMP, nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.Column("carried_forward", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["carried_from"], ["actions_new.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_year", "ref", name="uq_actions_year_ref"),
    )
    op.create_table(
        "action_leads",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions_new.id"]),
        sa.ForeignKeyConstraint(["organisation"], ["organisations.short"]),
        sa.PrimaryKeyConstraint("action_id", "organisation"),
    )
    op.create_table(
        "action_changes_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("action_ref", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("before", sa.String(length=200), nullable=True),
        sa.Column("after", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", _STAMP, nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions_new.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "achievements_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=False),
        sa.Column("plan_year", sa.String(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("logged_by", sa.String(length=64), nullable=False),
        sa.Column("logged_at", _STAMP, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", _STAMP, nullable=True),
        sa.ForeignKeyConstraint(["organisation"], ["organisations.short"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "achievement_changes_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", _STAMP, nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements_new.id"]),
        sa.PrimaryKeyConstraint("id"),
    )

    # the existing rows: one plan; actions numbered in their old order; each lead a lead row
    bind.execute(
        sa.text(
            "INSERT INTO priorities_new (id, plan_id, number, title, description, achievements_heading, retired)"
            " SELECT number, :plan, number, title, description, achievements_heading, :no FROM priorities"
        ),
        {"plan": plan_id, "no": False},
    )
    refs = [
        row[0] for row in bind.execute(sa.text("SELECT ref FROM actions ORDER BY priority, position, ref"))
    ]
    ids = {ref: n for n, ref in enumerate(refs, start=1)}
    for ref, new_id in ids.items():
        bind.execute(
            sa.text(
                "INSERT INTO actions_new (id, ref, plan_year, priority, position, text, due_date, status, reason,"
                " updated_by, updated_at, retired, carried_from, carried_forward)"
                " SELECT :id, ref, plan_year, priority, position, text, due_date, status, reason, updated_by,"
                " updated_at, :no, NULL, :no FROM actions WHERE ref = :ref"
            ),
            {"id": new_id, "ref": ref, "no": False},
        )
        bind.execute(
            sa.text(
                "INSERT INTO action_leads (action_id, organisation, position)"
                " SELECT :id, lead, 0 FROM actions WHERE ref = :ref AND lead IS NOT NULL"
            ),
            {"id": new_id, "ref": ref},
        )
        bind.execute(
            sa.text(
                "INSERT INTO action_changes_new (id, action_id, action_ref, field, before, after, reason, actor, at)"
                " SELECT id, :id, action_ref, field, before, after, reason, actor, at FROM action_changes"
                " WHERE action_ref = :ref"
            ),
            {"id": new_id, "ref": ref},
        )
    bind.execute(
        sa.text(
            "INSERT INTO achievements_new SELECT id, priority, organisation, text, achieved_on, plan_year,"
            " position, status, logged_by, logged_at, updated_by, updated_at FROM achievements"
        )
    )
    bind.execute(
        sa.text(
            "INSERT INTO achievement_changes_new SELECT id, achievement_id, action, actor, at, before, after"
            " FROM achievement_changes"
        )
    )

    for old in ("achievement_changes", "action_changes", "achievements", "actions", "priorities"):
        op.drop_table(old)
    for name in ("priorities", "actions", "action_changes", "achievements", "achievement_changes"):
        op.rename_table(f"{name}_new", name)

    op.create_index("ix_priorities_plan_id", "priorities", ["plan_id"])
    op.create_index("ix_actions_plan_year", "actions", ["plan_year"])
    op.create_index("ix_actions_priority", "actions", ["priority"])
    op.create_index("ix_actions_status", "actions", ["status"])
    op.create_index("ix_action_leads_organisation", "action_leads", ["organisation"])
    op.create_index("ix_action_changes_action_id", "action_changes", ["action_id"])
    op.create_index("ix_action_changes_action_ref", "action_changes", ["action_ref"])
    op.create_index("ix_achievements_organisation", "achievements", ["organisation"])
    op.create_index("ix_achievements_status", "achievements", ["status"])
    op.create_index("ix_achievements_year_priority", "achievements", ["plan_year", "priority"])
    op.create_index("ix_achievement_changes_achievement_id", "achievement_changes", ["achievement_id"])

    if bind.dialect.name == "postgresql":
        # the ids were copied, so each sequence starts after the highest one; the renamed tables'
        # sequences keep their "_new" names, which PostgreSQL tracks by ownership, not by name
        for table in (
            "plans",
            "priorities",
            "actions",
            "action_changes",
            "achievements",
            "achievement_changes",
        ):
            bind.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )


def downgrade() -> None:
    raise NotImplementedError("0012 reshapes the plan's tables; restore a backup to go back")
