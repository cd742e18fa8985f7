"""Initial schema: runs, schedules, states, running_totals, locks.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("operating_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("solver_status", sa.String(32)),
        sa.Column("exit_code", sa.Integer),
        sa.Column("error_class", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("flags", sa.Text, nullable=False),
        sa.Column("objective_cny", sa.Float),
        sa.Column("timings", sa.Text, nullable=False),
        sa.Column("scenario_path", sa.Text, nullable=False),
        sa.Column("scenario_file_sha256", sa.String(64)),
        sa.Column("scenario_sha256", sa.String(64)),
        sa.Column("package_version", sa.String(32), nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_runs_operating_date", "runs", ["operating_date"])
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("operating_date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("start", sa.String(40), nullable=False),
        sa.Column("steps", sa.Integer, nullable=False),
        sa.Column("step_minutes", sa.Integer, nullable=False),
        sa.Column("dispatch_csv", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("operating_date", "kind", "version", name="uq_schedules_version"),
    )
    op.create_index("ix_schedules_run_id", "schedules", ["run_id"])
    op.create_index("uq_schedules_current", "schedules", ["operating_date", "kind"], unique=True,
                    sqlite_where=sa.text("is_current = 1"), postgresql_where=sa.text("is_current"))
    op.create_table(
        "states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("asset", sa.String(128), nullable=False),
        sa.Column("quantity", sa.String(64), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.UniqueConstraint("run_id", "asset", "quantity", name="uq_states_quantity"),
    )
    op.create_index("ix_states_run_id", "states", ["run_id"])
    op.create_table(
        "running_totals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.UniqueConstraint("run_id", "name", name="uq_running_totals_name"),
    )
    op.create_index("ix_running_totals_run_id", "running_totals", ["run_id"])
    op.create_table(
        "locks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("locks", "running_totals", "states", "schedules", "runs"):
        op.drop_table(table)
