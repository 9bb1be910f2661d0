"""Settings, read once from the environment and validated at start.

Every setting has a safe default for the single-process mode; a bad value
stops the process with a message that names the variable.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "Liaison <liaison@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = field(default="", repr=False)
    notify_grace_seconds: int = 60
    # Blog posts and cahier pages: one grouped notice per person and topic after this wait.
    activity_grace_seconds: int = 600
    push_allow_private_endpoints: bool = False
    data_dir: Path = Path("var")
    # MEDIA_DIR: where photos are kept; None means `<data_dir>/media` (see media_root).
    media_dir: Path | None = None
    static_dir: Path = Path(__file__).resolve().parent.parent / "static"
    max_body_bytes: int = 1_048_576
    max_import_bytes: int = 5_242_880
    session_days: int = 30
    activation_days: int = 60
    # Failed sign-ins per window: one login from one address (tight), one
    # address for every login, one login from every address (the ceiling).
    login_max_failures_per_pair: int = 10
    login_max_failures_per_ip: int = 100
    login_max_failures_per_login: int = 50
    login_window_seconds: int = 900
    # FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-For is believed
    # (comma-separated addresses or networks, `*` for any); none by default.
    forwarded_allow_ips: str = ""
    # Floods: messages (and new threads) a minute, photos and files an hour, per user.
    post_limit_family_per_minute: int = 30
    post_limit_staff_per_minute: int = 120
    upload_limit_per_hour: int = 60
    admin_login: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    db_pool_size: int = 10
    metrics_token: str | None = field(default=None, repr=False)
    redis_prefix: str = "liaison:"
    event_retention_days: int = 30
    vapid_private_key: str | None = field(default=None, repr=False)
    escalation_reminder_hours: float = 24.0
    escalation_email_hours: float = 48.0
    # Multiplies the retry delays (30 s, 1 min, 2 min...): tests shorten them.
    delivery_retry_scale: float = 1.0

    @property
    def media_root(self) -> Path:
        """The folder of uploaded photos: MEDIA_DIR, else `media` in the data folder."""
        return self.media_dir if self.media_dir is not None else self.data_dir / "media"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def with_overrides(self, **changes: Any) -> Settings:
        # Any: each key is a field of its own type; `replace` refuses unknown ones.
        return replace(self, **changes)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} doit être un nombre entier (reçu {raw!r}).") from None
    if value < minimum:
        raise ConfigError(f"{name} doit être au moins {minimum} (reçu {value}).")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} doit être un nombre (reçu {raw!r}).") from None
    if value <= 0:
        raise ConfigError(f"{name} doit être positif (reçu {raw!r}).")
    return value


def _vapid_key(env: Mapping[str, str]) -> str | None:
    raw = env.get("VAPID_PRIVATE_KEY", "").strip()
    if not raw:
        return None
    if "BEGIN" not in raw:
        raise ConfigError("VAPID_PRIVATE_KEY doit être une clé privée PEM (-----BEGIN PRIVATE KEY-----).")
    return raw.replace("\\n", "\n")


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on", "oui"}:
        return True
    if lowered in {"0", "false", "no", "off", "non"}:
        return False
    raise ConfigError(f"{name} doit valoir true ou false (reçu {raw!r}).")


def _url(env: Mapping[str, str], name: str, schemes: set[str]) -> str | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme not in schemes or not (parts.hostname or parts.path):
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ConfigError(f"{name} doit être une adresse {allowed} (reçu une valeur invalide).")
    return raw.strip()


def _forwarded_allow_ips(env: Mapping[str, str]) -> str:
    """The trusted proxies, checked: addresses or networks, or `*`."""
    raw = env.get("FORWARDED_ALLOW_IPS", "").strip()
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"FORWARDED_ALLOW_IPS doit lister des adresses ou réseaux séparés par des virgules "
                f"(reçu {entry!r})."
            ) from None
    return ",".join(entries)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; raise ConfigError naming the first bad variable."""
    env = os.environ if env is None else env
    public_url = _url(env, "PUBLIC_URL", {"http", "https"}) or Settings.public_url
    log_level = env.get("LOG_LEVEL", "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("LOG_LEVEL doit valoir DEBUG, INFO, WARNING ou ERROR.")
    secret_key = env.get("SECRET_KEY", "")
    if secret_key and len(secret_key) < 16:
        raise ConfigError("SECRET_KEY doit faire au moins 16 caractères.")
    admin_login = env.get("ADMIN_LOGIN") or None
    admin_password = env.get("ADMIN_PASSWORD") or None
    if bool(admin_login) != bool(admin_password):
        raise ConfigError("ADMIN_LOGIN et ADMIN_PASSWORD vont ensemble : donnez les deux.")
    return Settings(
        database_url=_url(env, "DATABASE_URL", {"postgres", "postgresql"}),
        redis_url=_url(env, "REDIS_URL", {"redis", "rediss", "unix"}),
        smtp_url=_url(env, "SMTP_URL", {"smtp", "smtps"}),
        mail_from=env.get("MAIL_FROM") or Settings.mail_from,
        public_url=public_url.rstrip("/"),
        secret_key=secret_key,
        notify_grace_seconds=_int(env, "NOTIFY_GRACE_SECONDS", 60),
        activity_grace_seconds=_int(env, "ACTIVITY_GRACE_SECONDS", Settings.activity_grace_seconds),
        push_allow_private_endpoints=_bool(env, "PUSH_ALLOW_PRIVATE_ENDPOINTS", False),
        data_dir=Path(env.get("LIAISON_DATA_DIR") or "var"),
        media_dir=Path(env["MEDIA_DIR"]) if env.get("MEDIA_DIR") else None,
        max_body_bytes=_int(env, "MAX_BODY_BYTES", Settings.max_body_bytes, minimum=1024),
        max_import_bytes=_int(env, "MAX_IMPORT_BYTES", Settings.max_import_bytes, minimum=1024),
        session_days=_int(env, "SESSION_DAYS", Settings.session_days, minimum=1),
        activation_days=_int(env, "ACTIVATION_DAYS", Settings.activation_days, minimum=1),
        login_max_failures_per_pair=_int(
            env, "LOGIN_MAX_FAILURES_PER_PAIR", Settings.login_max_failures_per_pair, 1
        ),
        login_max_failures_per_login=_int(
            env, "LOGIN_MAX_FAILURES_PER_LOGIN", Settings.login_max_failures_per_login, 1
        ),
        login_max_failures_per_ip=_int(
            env, "LOGIN_MAX_FAILURES_PER_IP", Settings.login_max_failures_per_ip, 1
        ),
        login_window_seconds=_int(env, "LOGIN_WINDOW_SECONDS", Settings.login_window_seconds, 1),
        forwarded_allow_ips=_forwarded_allow_ips(env),
        post_limit_family_per_minute=_int(
            env, "POST_LIMIT_FAMILY_PER_MINUTE", Settings.post_limit_family_per_minute, 1
        ),
        post_limit_staff_per_minute=_int(
            env, "POST_LIMIT_STAFF_PER_MINUTE", Settings.post_limit_staff_per_minute, 1
        ),
        upload_limit_per_hour=_int(env, "UPLOAD_LIMIT_PER_HOUR", Settings.upload_limit_per_hour, 1),
        admin_login=admin_login,
        admin_password=admin_password,
        log_level=log_level,
        db_pool_size=_int(env, "DB_POOL_SIZE", Settings.db_pool_size, minimum=2),
        metrics_token=env.get("METRICS_TOKEN") or None,
        redis_prefix=env.get("REDIS_PREFIX") or Settings.redis_prefix,
        event_retention_days=_int(env, "EVENT_RETENTION_DAYS", Settings.event_retention_days, minimum=1),
        vapid_private_key=_vapid_key(env),
        escalation_reminder_hours=_float(env, "ESCALATION_REMINDER_HOURS", 24.0),
        escalation_email_hours=_float(env, "ESCALATION_EMAIL_HOURS", 48.0),
    )


def ensure_secret_key(settings: Settings) -> Settings:
    """Without SECRET_KEY, keep a random one in the data folder so that
    restarts keep CSRF tokens valid; several processes must share SECRET_KEY."""
    if settings.secret_key:
        return settings
    path = settings.data_dir / "secret_key"
    if path.exists():
        return settings.with_overrides(secret_key=path.read_text().strip())
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this data folder wrote it first
        return settings.with_overrides(secret_key=path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return settings.with_overrides(secret_key=key)
