"""Numbered SQL migrations, owned by the capability folders.

Each capability keeps its files in `<capability>/migrations/NNNN_name.sql`.
Numbers are unique across the project, so the order is total and a later
capability can reference the tables of an earlier one. Applied versions are
recorded in `schema_migrations`; an advisory lock makes concurrent starts
(several web and worker processes) apply each file exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from liaison.storage.db import Connection

log = logging.getLogger("liaison.migrations")

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# Any constant shared by every Liaison process; it only has to be stable.
MIGRATION_LOCK_ID = 0x4C494149  # "LIAI"
_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(root: Path = PACKAGE_ROOT) -> list[Migration]:
    found: dict[int, Migration] = {}
    for path in sorted(root.glob("*/migrations/*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"Nom de migration invalide : {path}")
        version = int(match.group(1))
        name = f"{path.parent.parent.name}/{path.name}"
        if version in found:
            raise RuntimeError(f"Deux migrations portent le numéro {version}: {found[version].name}, {name}")
        found[version] = Migration(version, name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def migrate(conn: Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing; return the names applied. Safe to run concurrently."""
    migrations = discover() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = {
            row["version"]: row["checksum"]
            for row in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        done: list[str] = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    log.warning("migration %s changed after it was applied", migration.name)
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            log.info("applied migration %s", migration.name)
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
