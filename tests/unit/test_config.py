"""Settings: defaults, validation naming the variable, the secret key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from liaison.config import ConfigError, Settings, ensure_secret_key, load_settings


def test_defaults_from_an_empty_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.smtp_url is None
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.secret_key == ""
    assert settings.notify_grace_seconds == 60
    assert settings.push_allow_private_endpoints is False
    assert settings.data_dir == Path("var")
    assert settings.log_level == "INFO"
    assert settings.admin_login is None and settings.admin_password is None
    assert settings.metrics_token is None
    assert settings.redis_prefix == "liaison:"
    assert settings.secure_cookies is False


def test_values_are_read() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://liaison:pw@db.example:5432/liaison",
            "REDIS_URL": "redis://cache:6379/1",
            "SMTP_URL": "smtps://user:pw@mail.example:465",
            "PUBLIC_URL": "https://liaison.example.fr/",
            "SECRET_KEY": "s" * 32,
            "NOTIFY_GRACE_SECONDS": "0",
            "PUSH_ALLOW_PRIVATE_ENDPOINTS": "oui",
            "LIAISON_DATA_DIR": "/srv/liaison",
            "SESSION_DAYS": "7",
            "LOG_LEVEL": "debug",
            "ADMIN_LOGIN": "admin",
            "ADMIN_PASSWORD": "un mot de passe solide",
            "DB_POOL_SIZE": "4",
            "REDIS_PREFIX": "ecole-a:",
        }
    )
    assert settings.database_url == "postgresql://liaison:pw@db.example:5432/liaison"
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.smtp_url == "smtps://user:pw@mail.example:465"
    assert settings.public_url == "https://liaison.example.fr"  # no trailing slash
    assert settings.notify_grace_seconds == 0
    assert settings.push_allow_private_endpoints is True
    assert settings.data_dir == Path("/srv/liaison")
    assert settings.session_days == 7
    assert settings.log_level == "DEBUG"
    assert (settings.admin_login, settings.admin_password) == ("admin", "un mot de passe solide")
    assert settings.db_pool_size == 4
    assert settings.redis_prefix == "ecole-a:"


def test_secrets_stay_out_of_the_repr() -> None:
    settings = load_settings(
        {"SECRET_KEY": "k" * 20 + "secret", "ADMIN_LOGIN": "a", "ADMIN_PASSWORD": "the-admin-password"}
    )
    assert "secret" not in repr(settings)
    assert "the-admin-password" not in repr(settings)


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [("https://liaison.example.fr", True), ("http://liaison.example.fr", False), (None, False)],
)
def test_secure_cookies_follow_the_public_url(public_url: str | None, secure: bool) -> None:
    env = {"PUBLIC_URL": public_url} if public_url else {}
    assert load_settings(env).secure_cookies is secure


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NOTIFY_GRACE_SECONDS", "abc"),
        ("NOTIFY_GRACE_SECONDS", "-1"),
        ("NOTIFY_GRACE_SECONDS", "1.5"),
        ("MAX_BODY_BYTES", "100"),
        ("MAX_IMPORT_BYTES", "lots"),
        ("SESSION_DAYS", "0"),
        ("ACTIVATION_DAYS", "0"),
        ("LOGIN_MAX_FAILURES_PER_LOGIN", "0"),
        ("LOGIN_MAX_FAILURES_PER_IP", "x"),
        ("LOGIN_WINDOW_SECONDS", "0"),
        ("DB_POOL_SIZE", "1"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "postgresql://"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://cache:6379"),
        ("SMTP_URL", "http://mail.example"),
        ("PUBLIC_URL", "ftp://liaison.example.fr"),
        ("PUBLIC_URL", "liaison.example.fr"),
        ("PUSH_ALLOW_PRIVATE_ENDPOINTS", "maybe"),
        ("LOG_LEVEL", "verbose"),
        ("SECRET_KEY", "too-short"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({name: value})
    assert name in str(raised.value)


@pytest.mark.parametrize("given", ["ADMIN_LOGIN", "ADMIN_PASSWORD"])
def test_admin_login_and_password_go_together(given: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({given: "admin-value-12345"})
    assert "ADMIN_LOGIN" in str(raised.value) and "ADMIN_PASSWORD" in str(raised.value)


def test_empty_values_mean_the_default() -> None:
    env = {"NOTIFY_GRACE_SECONDS": "", "PUSH_ALLOW_PRIVATE_ENDPOINTS": "", "DATABASE_URL": " "}
    settings = load_settings(env)
    assert settings.notify_grace_seconds == 60
    assert settings.push_allow_private_endpoints is False
    assert settings.database_url is None


def test_ensure_secret_key_creates_a_private_file_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    settings = Settings(data_dir=data_dir)
    first = ensure_secret_key(settings)
    key_file = data_dir / "secret_key"
    assert len(first.secret_key) >= 32
    assert key_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings.secret_key == ""  # a new Settings, the given one unchanged

    again = ensure_secret_key(Settings(data_dir=data_dir))
    assert again.secret_key == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_ensure_secret_key_keeps_a_given_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", secret_key="k" * 32)
    assert ensure_secret_key(settings) is settings
    assert not (tmp_path / "var").exists()


def test_media_folder_follows_the_data_folder_unless_set() -> None:
    assert load_settings({}).media_root == Path("var/media")
    moved = load_settings({"LIAISON_DATA_DIR": "/srv/liaison"})
    assert moved.media_root == Path("/srv/liaison/media")
    assert moved.with_overrides(data_dir=Path("/data")).media_root == Path("/data/media")  # --data-dir
    chosen = load_settings({"MEDIA_DIR": "/mnt/photos", "LIAISON_DATA_DIR": "/srv/liaison"})
    assert chosen.media_dir == chosen.media_root == Path("/mnt/photos")
    assert chosen.with_overrides(data_dir=Path("/data")).media_root == Path("/mnt/photos")
