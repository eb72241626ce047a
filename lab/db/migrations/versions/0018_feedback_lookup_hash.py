"""portal: a feedback note keeps the SHA-256 of its lookup code in its own column

The code a citizen reads the answer with (80 random bits, shown once) was kept as a hash in the
audit entry of the submission; the note's row is its place. Notes sent before this migration
have no hash and cannot be looked up (their writers were never told a code that works here).

Revision ID: 0018_feedback_lookup_hash
Revises: 0017_data_dictionary
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_feedback_lookup_hash"
down_revision = "0017_data_dictionary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_feedback") as batch:
        batch.add_column(sa.Column("lookup_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portal_feedback") as batch:
        batch.drop_column("lookup_sha256")
