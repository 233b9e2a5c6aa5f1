"""partnerships and Slack installations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:40:00

The directory of partnerships, the links from Slack workspaces to them, and the tables
slack_sdk's SQLAlchemy installation and OAuth state stores use (written out here, as
slack_sdk 3.47 builds them, so that ``store`` does not import Slack; a test compares them
with slack_sdk's own table builders). All of these belong to the main store; a
partnership's own store (a schema or a file) does not get them.
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SLACK_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


def _workspace_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
    ]


def _bot_columns() -> list[sa.Column]:
    return [
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime),
    ]


def _slack_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "slack_installations",
        metadata,
        *_workspace_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        *_bot_columns(),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime, nullable=False, default=sa.func.now()),
        sa.Index(
            "slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"
        ),
    )
    sa.Table(
        "slack_bots",
        metadata,
        *_workspace_columns(),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        *_bot_columns(),
        sa.Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False, default=sa.func.now()),
        sa.Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )
    sa.Table(
        "slack_oauth_states",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime, nullable=False),
    )
    return metadata


def _is_partition() -> bool:
    return bool(context.config.attributes.get("partition"))


def upgrade() -> None:
    if _is_partition():
        return
    op.create_table(
        "partnership_directory",
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("plan_source", sa.String(length=300), nullable=False),
        sa.Column("glossary_source", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "workspace_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("partnership", sa.String(length=40), nullable=False),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "team_id", name="uq_workspace_links_workspace"),
    )
    op.create_index("ix_workspace_links_partnership", "workspace_links", ["partnership"])
    _slack_metadata().create_all(op.get_bind())


def downgrade() -> None:
    if _is_partition():
        return
    metadata = _slack_metadata()
    for name in SLACK_TABLES:
        metadata.tables[name].drop(op.get_bind())
    op.drop_index("ix_workspace_links_partnership", table_name="workspace_links")
    op.drop_table("workspace_links")
    op.drop_table("partnership_directory")
