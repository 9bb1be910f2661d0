"""The private PostgreSQL of the single-process default, under `<data-dir>/pg`.

The server binaries come from the `pgserver` wheel (so a fresh machine needs
no system PostgreSQL), else from the machine's installation. PostgreSQL
refuses to run as root; rather than creating a system user and opening up
the home folder for it (what pgserver's own launcher does), a root caller
runs the server in a user namespace where it is an ordinary user, so the
data stays private to root and nothing outside it changes mode.

The server listens on 127.0.0.1 only, on a free port chosen at each start,
with password authentication (the password lives in the data folder, 0600).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import asyncpg

log = logging.getLogger("liaison.embedded_pg")

DB_NAME = "liaison"
DB_USER = "liaison"
_NAMESPACE_UID = 1000  # any non-zero id: the server's uid inside its namespace


class EmbeddedPostgresError(RuntimeError):
    pass


def find_bin_dir() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (candidate / "postgres").exists():
            return candidate
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), reverse=True)
    if versions:
        return versions[0].parent
    raise EmbeddedPostgresError(
        "Aucun serveur PostgreSQL trouvé : installez le paquet pgserver "
        "(pip install pgserver) ou PostgreSQL, ou donnez DATABASE_URL."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, bin_dir: Path | None = None):
        self.root = data_dir.resolve() / "pg"
        self.cluster = self.root / "data"
        self.password_file = self.root / "password"
        self.log_file = self.root / "server.log"
        self.bin_dir = bin_dir or find_bin_dir()
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- running the binaries ------------------------------------------------
    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            if not shutil.which("unshare"):
                raise EmbeddedPostgresError(
                    "PostgreSQL ne tourne pas en root et la commande unshare est absente : "
                    "lancez liaison avec un utilisateur ordinaire ou donnez DATABASE_URL."
                )
            uid = str(_NAMESPACE_UID)
            command = ["unshare", "--user", f"--map-user={uid}", f"--map-group={uid}", *command]
        return command

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    @property
    def dsn(self) -> str:
        if self.port is None:
            raise EmbeddedPostgresError("le serveur n'est pas démarré")
        return self._dsn_for(DB_NAME)

    def initialised(self) -> bool:
        return (self.cluster / "PG_VERSION").exists()

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        password = secrets.token_urlsafe(24)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password)
        result = subprocess.run(
            self._command(
                "initdb",
                "-D", str(self.cluster),
                "-U", DB_USER,
                "--auth=scram-sha-256",
                f"--pwfile={self.password_file}",
                "-E", "UTF8",
                "--locale=C",
                "--no-instructions",
            ),
            capture_output=True,
            text=True,
        )  # fmt: skip
        if result.returncode != 0:
            shutil.rmtree(self.cluster, ignore_errors=True)
            raise EmbeddedPostgresError(f"initdb a échoué : {result.stderr.strip()[-500:]}")

    def _stop_leftover(self) -> None:
        """A previous run killed with SIGKILL leaves its postmaster running."""
        pid_file = self.cluster / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
            # After a reboot the pid may belong to something else: check it is ours.
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"postgres" not in command_line or str(self.cluster).encode() not in command_line:
                return
            os.kill(pid, signal.SIGINT)
        except (ValueError, OSError):
            return
        log.warning("stopping a PostgreSQL left running by a previous start (pid %s)", pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    async def start(self, timeout: float = 60, *, port: int | None = None) -> None:
        """Start the server: on a free port, or on `port` (a restart keeps
        the address the pool already knows)."""
        if not self.initialised():
            self.init()
        self._stop_leftover()
        self.port = port or _free_port()
        log_handle = open(self.log_file, "ab")
        self._process = subprocess.Popen(
            self._command(
                "postgres",
                "-D", str(self.cluster),
                "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=",
                "-c", "max_connections=200",
                "-c", "fsync=on",
            ),
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Our own process group: Ctrl-C in the terminal reaches us, and we
            # stop the server ourselves, in order, after the web server.
            start_new_session=True,
        )  # fmt: skip
        log_handle.close()
        await self._wait_ready(timeout)
        await self._ensure_database()

    def _dsn_for(self, database: str) -> str:
        return f"postgresql://{DB_USER}:{quote(self.password)}@127.0.0.1:{self.port}/{database}"

    async def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process and self._process.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-800:]
                raise EmbeddedPostgresError(f"PostgreSQL s'est arrêté au démarrage :\n{tail}")
            try:
                conn = await asyncpg.connect(self._dsn_for("postgres"), timeout=2)
            except (TimeoutError, OSError, asyncpg.PostgresError) as error:
                last_error = error
                await asyncio.sleep(0.05)
                continue
            await conn.close()
            return
        raise EmbeddedPostgresError(f"PostgreSQL n'a pas répondu à temps ({last_error}).")

    async def _ensure_database(self) -> None:
        conn = await asyncpg.connect(self._dsn_for("postgres"))
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB_NAME)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        finally:
            await conn.close()

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    async def watch(self, interval: float = 0.5, attempts: int = 10) -> None:
        """Restart the server whenever it dies (killed, crashed), on the same
        port, so the pool's next connections reach it again; meanwhile
        requests answer 503. Returns (to let the caller exit non-zero) only
        when `attempts` restarts in a row have failed. Cancel it to stop."""
        failures = 0
        while True:
            await asyncio.sleep(interval)
            process = self._process
            if process is None or process.poll() is None:
                continue
            log.error("embedded PostgreSQL stopped (exit code %s): restarting it", process.returncode)
            started = time.monotonic()
            try:
                await self.start(port=self.port)
            except (EmbeddedPostgresError, OSError, asyncpg.PostgresError) as error:
                failures += 1
                log.error("restarting the embedded PostgreSQL failed (%d/%d): %s", failures, attempts, error)
                if failures >= attempts:
                    return
                # Its old backends may still hold the shared memory: wait a little more each time.
                await asyncio.sleep(min(5.0, 0.5 * failures))
                continue
            failures = 0
            log.warning("embedded PostgreSQL restarted in %.1f s", time.monotonic() - started)

    def stop(self, timeout: float = 30) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # SIGINT is PostgreSQL's "fast" shutdown: roll back, checkpoint, exit.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGQUIT)
            process.wait(10)
