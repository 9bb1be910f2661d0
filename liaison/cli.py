"""The `liaison` command: run, web, worker, migrate, create-admin."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import uvicorn

from liaison.config import ConfigError, Settings, ensure_secret_key, load_settings

if TYPE_CHECKING:
    from liaison.demo.seed import DemoLogin

log = logging.getLogger("liaison")

if TYPE_CHECKING:
    from liaison.storage.embedded import EmbeddedPostgres

# The embedded PostgreSQL `database()` started, if any: `liaison run` watches it.
_embedded: EmbeddedPostgres | None = None


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Settings with a database: DATABASE_URL, or the embedded PostgreSQL of
    the data folder, started here and stopped when the block ends, however it
    ends (Ctrl-C, SIGTERM, an error)."""
    if settings.database_url:
        yield settings
        return
    from liaison.storage.embedded import EmbeddedPostgres, EmbeddedPostgresError

    global _embedded
    server = EmbeddedPostgres(settings.data_dir)
    try:
        try:
            asyncio.run(server.start())
        except EmbeddedPostgresError as error:
            raise SystemExit(f"Impossible de démarrer PostgreSQL : {error}") from None
        _embedded = server
        yield settings.with_overrides(database_url=server.dsn)
    finally:
        _embedded = None
        # A second Ctrl-C must not leave the server running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.stop()


async def _migrate_and_seed(settings: Settings, demo: bool) -> list[DemoLogin]:
    from liaison.demo import seed
    from liaison.storage.migrations import migrate

    conn = await asyncpg.connect(settings.database_url)
    try:
        await migrate(conn)
        seeding = demo and await seed.needs_seed(conn)
        if seeding:
            await seed.seed(conn, settings.activation_days)
        logins = await seed.demo_logins(conn)
    finally:
        await conn.close()
    parent = next((entry.login for entry in logins if entry.who.startswith("parent")), None)
    if seeding and parent:
        await _write_demo_conversations(settings, parent)
    return logins


async def _write_demo_conversations(settings: Settings, parent_login: str) -> None:
    from liaison.demo import activity, conversations, seed
    from liaison.storage.db import create_pool

    assert settings.database_url, "liaison run works inside database(), which sets it"
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        await conversations.write(pool, settings, parent_login)
        await activity.write(pool, settings, seed.directors())
    finally:
        await pool.close()


def _announce(url: str, logins: list[DemoLogin]) -> None:
    print(f"\nLiaison est prêt : {url}", flush=True)
    if logins:
        from liaison.demo.school import DEMO_PASSWORD

        print(f"École de démonstration. Mot de passe de tous les comptes : {DEMO_PASSWORD}")
        for entry in logins:
            print(f"  {entry.who:<40} identifiant : {entry.login}")
    print("Ctrl-C pour arrêter.\n", flush=True)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy headers, from the proxies the operator names in
    FORWARDED_ALLOW_IPS only: with none (the default) X-Forwarded-For is
    ignored, so a request cannot choose the address the rate limits count
    (uvicorn alone would believe it from 127.0.0.1)."""
    trusted = settings.forwarded_allow_ips
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


async def _serve(
    settings: Settings, host: str, port: int, *, run_workers: bool, on_ready: Callable[[], None] | None = None
) -> None:
    from liaison.app import create_app

    app = create_app(settings, run_workers=run_workers)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # our own middleware writes one line per request
        ws="websockets-sansio",
        # Compression costs ~50 KiB per socket; events are small anyway.
        ws_per_message_deflate=False,
        ws_max_size=65536,  # clients only send small control frames
        **proxy_options(settings),
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)

    async def announce_when_started() -> None:
        while not server.started and not server.should_exit:
            await asyncio.sleep(0.05)
        if server.started and on_ready:
            on_ready()

    watcher = asyncio.create_task(announce_when_started())
    try:
        await server.serve()
    finally:
        watcher.cancel()
    if not server.started:
        raise SystemExit(f"Le serveur n'a pas pu démarrer sur {host}:{port} (port déjà pris ?).")


async def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    url = f"http://{args.host}:{args.port}"
    logins = await _migrate_and_seed(settings, demo=not args.no_demo)
    serving = _serve(
        settings,
        args.host,
        args.port,
        run_workers=True,
        on_ready=lambda: _announce(url, logins),
    )
    if _embedded is None:
        await serving
        return
    # The embedded PostgreSQL is restarted when it dies (requests answer 503
    # meanwhile); if it cannot be, exit non-zero so a supervisor restarts us.
    # The server runs in this task itself, not a task of its own: Ctrl-C and
    # SIGTERM (a KeyboardInterrupt) must end it here, where asyncio.run sees it.
    this_task = asyncio.current_task()
    assert this_task is not None
    gave_up = False

    def on_watch_done(task: asyncio.Task[None]) -> None:
        nonlocal gave_up
        if not task.cancelled():
            gave_up = True
            this_task.cancel()

    watch_task = asyncio.create_task(_embedded.watch())
    watch_task.add_done_callback(on_watch_done)
    try:
        await serving
    except asyncio.CancelledError:
        if gave_up:
            raise SystemExit("PostgreSQL s'est arrêté et n'a pas pu être redémarré.") from None
        raise
    finally:
        watch_task.remove_done_callback(on_watch_done)
        watch_task.cancel()


async def cmd_web(settings: Settings, args: argparse.Namespace) -> None:
    if not settings.database_url:
        raise SystemExit("liaison web a besoin de DATABASE_URL (ou utilisez liaison run).")
    if not settings.secret_key:
        raise SystemExit("liaison web a besoin de SECRET_KEY, le même pour tous les processus.")
    if not settings.redis_url:
        log.warning("REDIS_URL absent: the web process cannot reach other processes")
    await _serve(settings, args.host, args.port, run_workers=False)


async def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    from liaison.background import run_worker

    await run_worker(settings)


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    from liaison.storage.migrations import migrate

    conn = await asyncpg.connect(settings.database_url)
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    print(f"{len(applied)} migration(s) appliquée(s)." if applied else "Base à jour.")
    for name in applied:
        print(f"  {name}")


def _admin_password(args: argparse.Namespace) -> str:
    if args.password_file:
        try:
            return Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise SystemExit(f"Lecture de {args.password_file} impossible : {error}") from None
    from_env = os.environ.get("LIAISON_ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SystemExit("Mot de passe attendu : --password-file, LIAISON_ADMIN_PASSWORD ou un terminal.")
    first = getpass.getpass("Mot de passe : ")
    if first != getpass.getpass("Encore une fois : "):
        raise SystemExit("Les deux mots de passe diffèrent.")
    return first


async def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    from liaison.bootstrap import AdminError, create_admin
    from liaison.storage.migrations import migrate

    password = _admin_password(args)
    conn = await asyncpg.connect(settings.database_url)
    try:
        await migrate(conn)
        user = await create_admin(conn, args.login, password)
    except AdminError as error:
        raise SystemExit(str(error)) from None
    finally:
        await conn.close()
    print(f"Compte administrateur créé : {user.login}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description="Liaison, le carnet de liaison.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="tout en un seul processus (démonstration, petite école)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--data-dir", default=os.environ.get("LIAISON_DATA_DIR", "var"))
    run.add_argument("--no-demo", action="store_true", help="ne pas créer l'école de démonstration")
    run.set_defaults(handler=cmd_run)

    web = commands.add_parser("web", help="le processus web (DATABASE_URL, REDIS_URL)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    web.set_defaults(handler=cmd_web)

    worker = commands.add_parser("worker", help="le processus d'envoi (push, courriel)")
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser("migrate", help="appliquer les migrations")
    migrate.add_argument("--data-dir", default=os.environ.get("LIAISON_DATA_DIR", "var"))
    migrate.set_defaults(handler=cmd_migrate)

    admin = commands.add_parser("create-admin", help="créer un compte administrateur")
    admin.add_argument("login")
    admin.add_argument("--password-file", help="fichier contenant le mot de passe")
    admin.add_argument("--data-dir", default=os.environ.get("LIAISON_DATA_DIR", "var"))
    admin.set_defaults(handler=cmd_create_admin)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"Configuration invalide : {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if getattr(args, "data_dir", None):
        settings = settings.with_overrides(data_dir=Path(args.data_dir))
    if args.command == "run":
        settings = ensure_secret_key(settings)
        if "PUBLIC_URL" not in os.environ:
            settings = settings.with_overrides(public_url=f"http://{args.host}:{args.port}")
    _configure_logging(settings.log_level)
    # SIGTERM ends the process like Ctrl-C: cleanly, stopping what it started.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if args.command in ("web", "worker"):  # deployments: an external database only
            asyncio.run(args.handler(settings, args))
        else:
            with database(settings) as settings:
                asyncio.run(args.handler(settings, args))
    except KeyboardInterrupt:
        pass


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
