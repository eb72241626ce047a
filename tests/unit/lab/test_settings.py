"""Settings: documented in the README, read from env and file, bad values named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.errors import ConfigurationError
from lab.settings import LabSettings, load_settings
from lab.settings_doc import BEGIN, END, settings_table

README = Path(__file__).parents[3] / "README.md"


def test_readme_table_matches_declaration() -> None:
    """The README's configuration table is exactly the one generated from LabSettings."""
    text = README.read_text(encoding="utf-8")
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert documented == settings_table(), "regenerate with: python -m lab.settings_doc"


def test_every_setting_has_help_and_default() -> None:
    """No setting is declared without help text or a default."""
    for name, field in LabSettings.model_fields.items():
        assert field.description, name
        assert not field.is_required(), name


def test_env_overrides_file_overrides_default(tmp_path, monkeypatch) -> None:
    """Environment beats the TOML config file, which beats the declared default."""
    config = tmp_path / "datalab.toml"
    config.write_text('port = 9100\nlog_level = "DEBUG"\n')
    monkeypatch.setenv("DATALAB_CONFIG", str(config))
    monkeypatch.setenv("DATALAB_LOG_LEVEL", "WARNING")
    settings = load_settings()
    assert settings.port == 9100 and settings.log_level == "WARNING"
    assert settings.session_hours == 8


def test_home_defaults_derive_paths(tmp_path, monkeypatch) -> None:
    """DATALAB_HOME decides where the SQLite file, objects and keyring live."""
    monkeypatch.setenv("DATALAB_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'lab.db'}"
    assert settings.resolved_storage_dir == tmp_path / "objects"
    assert settings.resolved_keyring_file == tmp_path / "secrets" / "keyring.json"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATALAB_PORT", "eighty", "DATALAB_PORT"),
        ("DATALAB_PORT", "70000", "less than or equal to 65535"),
        ("DATALAB_STORAGE_BACKEND", "ftp", "'local' or 's3'"),
        ("DATALAB_S3_BUCKET", "ab", "3–63"),
        ("DATALAB_LOG_LEVEL", "LOUD", "DATALAB_LOG_LEVEL"),
    ],
)
def test_invalid_setting_is_named(monkeypatch, variable, value, expected) -> None:
    """A bad value raises ConfigurationError naming the variable and the expected form."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert variable in error.value.message and expected in error.value.message


def test_invalid_secret_value_is_not_echoed(monkeypatch) -> None:
    """The error for a malformed secret setting never repeats the secret."""
    with pytest.raises(ConfigurationError) as error:
        load_settings(s3_secret_key=["string-secret-123"])
    assert "DATALAB_S3_SECRET_KEY" in error.value.message
    assert "string-secret-123" not in error.value.message and "(hidden)" in error.value.message
