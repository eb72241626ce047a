"""Alembic migrations of the lab database: ``env`` runs them, ``versions`` holds one per step."""
