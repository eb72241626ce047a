"""``python -m lab.cli`` runs the ``datalab`` command."""

from lab.cli.main import app

app(prog_name="datalab")
