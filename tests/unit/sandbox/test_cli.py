"""``datalab sandbox`` arrives through the datalab.commands entry point."""

from __future__ import annotations

from typer.testing import CliRunner

from lab.cli.main import app


def test_sandbox_command_group_is_discovered() -> None:
    """The lab's CLI lists the sandbox plug-in's commands without importing sandbox itself."""
    result = CliRunner().invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    for command in ("build-env", "check", "serve", "demo", "k8s"):
        assert command in result.output
