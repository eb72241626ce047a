"""catalogue: a dataset version carries the data dictionary its steward supplied

``dataset_versions.dictionary`` holds the described columns (column, description, unit, code
list). Versions stored before it have none, so their columns show "no description" until a new
version brings one. Column descriptions used to be the classification category's name, and the
portal's search documents hold that text: they are deleted here, and the portal rebuilds each
one from the dictionary on its next search (a missing document is indexed afresh).

Revision ID: 0017_data_dictionary
Revises: 0016_zcdp_unit_rho
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_data_dictionary"
down_revision = "0016_zcdp_unit_rho"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "dataset_versions",
        sa.Column("dictionary", sa.JSON(), nullable=False, server_default="[]"),
    )
    op.execute("DELETE FROM portal_search_tags")
    op.execute("DELETE FROM portal_search_documents")


def downgrade() -> None:
    """Drop the column in place; search documents rebuild themselves as on upgrade."""
    op.drop_column("dataset_versions", "dictionary")
    op.execute("DELETE FROM portal_search_tags")
    op.execute("DELETE FROM portal_search_documents")
