"""The first admin: from ADMIN_LOGIN/ADMIN_PASSWORD at start, or `liaison create-admin`."""

from __future__ import annotations

import logging

from liaison.accounts import passwords, store
from liaison.config import Settings
from liaison.core.people import User
from liaison.storage.db import Connection

log = logging.getLogger("liaison.bootstrap")


class AdminError(Exception):
    pass


async def create_admin(conn: Connection, login: str, password: str) -> User:
    login = login.strip().lower()
    if not login or len(login) > 64 or any(ch.isspace() for ch in login):
        raise AdminError("Identifiant invalide : 1 à 64 caractères, sans espace.")
    problem = passwords.password_problem(password, login=login)
    if problem:
        raise AdminError(problem)
    try:
        return await store.create_user(
            conn,
            role="admin",
            school_id=None,
            display_name="Administrateur",
            login=login,
            password_hash=await passwords.hash_password(password),
        )
    except store.LoginTaken:
        raise AdminError(f"L'identifiant {login} est déjà pris.") from None


async def ensure_admin(conn: Connection, settings: Settings) -> None:
    """Create the ADMIN_LOGIN account once; never change an existing one."""
    if not settings.admin_login or not settings.admin_password:
        return
    if await store.user_exists_with_login(conn, settings.admin_login):
        return
    try:
        await create_admin(conn, settings.admin_login, settings.admin_password)
    except AdminError as error:
        if await store.user_exists_with_login(conn, settings.admin_login):
            return  # another process created it at the same moment
        raise SystemExit(f"ADMIN_LOGIN/ADMIN_PASSWORD : {error}") from None
    log.info("created the admin account from ADMIN_LOGIN")
