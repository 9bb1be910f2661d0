"""The `liaison` command as people run it: real processes, real signals.

Every process is started in a session of its own and is ended by the
`liaison` fixture, whatever the test did; the embedded PostgreSQL of every
data folder a test used is stopped too (it runs in a session of its own, so
killing the `liaison` process group does not reach it).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from liaison.demo.school import DEMO_PASSWORD, demo_staff
from liaison.storage.migrations import discover
from tests.conftest import free_port, scratch_database

DEADLINE = 60.0  # seconds: the bound of every wait in this file
POLL = 0.05

# What load_settings and the CLI read: removed from the environment of every
# process, so the tests see only what they set themselves.
SETTINGS_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "MAIL_FROM",
    "PUBLIC_URL",
    "SECRET_KEY",
    "NOTIFY_GRACE_SECONDS",
    "PUSH_ALLOW_PRIVATE_ENDPOINTS",
    "LIAISON_DATA_DIR",
    "MAX_BODY_BYTES",
    "MAX_IMPORT_BYTES",
    "SESSION_DAYS",
    "ACTIVATION_DAYS",
    "LOGIN_MAX_FAILURES_PER_LOGIN",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_WINDOW_SECONDS",
    "ADMIN_LOGIN",
    "ADMIN_PASSWORD",
    "LOG_LEVEL",
    "DB_POOL_SIZE",
    "METRICS_TOKEN",
    "LIAISON_ADMIN_PASSWORD",
    "PORT",
    "REDIS_PREFIX",
}

DIRECTOR_LOGIN = next(m.login for m in demo_staff() if m.role == "director")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(extra)
    return env


def redis_prefix() -> str:
    """Keys of their own on the shared Redis (bus channels, sign-in failures)."""
    return f"liaison-cli-test-{uuid.uuid4().hex[:8]}:"


# -- processes -----------------------------------------------------------------


class Liaison:
    """One `python -m liaison ...` process, its output kept in files."""

    def __init__(self, args: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.args = args
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self.spawned_at = time.monotonic()
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "liaison", *args],
                env=env,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self.pid = self.popen.pid

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def fail(self, message: str) -> None:
        pytest.fail(
            f"liaison {' '.join(self.args)}: {message} (exit code {self.popen.poll()})\n"
            f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}",
            pytrace=False,
        )

    def wait_ready(self, port: int) -> float:
        """Poll /readyz until 200; return the seconds since the spawn."""
        deadline = self.spawned_at + DEADLINE
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.popen.poll() is not None:
                    self.fail("stopped before /readyz answered 200")
                try:
                    if client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        return time.monotonic() - self.spawned_at
                except httpx.TransportError:
                    pass
                time.sleep(POLL)
        self.fail(f"/readyz did not answer 200 within {DEADLINE:.0f} s")
        raise AssertionError  # unreachable: fail() raises

    def wait_for_stdout(self, text: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            out = self.stdout
            if text in out:
                return out
            if self.popen.poll() is not None:
                self.fail(f"exited without printing {text!r}")
            time.sleep(POLL)
        self.fail(f"{text!r} not printed within {DEADLINE:.0f} s")
        raise AssertionError

    def wait(self) -> int:
        try:
            return self.popen.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.fail(f"still running after {DEADLINE:.0f} s")
            raise

    def interrupt(self) -> int:
        """Ctrl-C in a terminal: SIGINT to the process group."""
        os.killpg(self.pid, signal.SIGINT)
        return self.wait()

    def terminate(self) -> int:
        """What a service manager or `kill` does: SIGTERM to the process."""
        self.popen.send_signal(signal.SIGTERM)
        return self.wait()

    def kill(self) -> None:
        """SIGKILL to the process alone, as the OOM killer would."""
        self.popen.kill()
        self.popen.wait(DEADLINE)

    def end(self) -> None:
        """Clean-up, whatever state the process is in."""
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGINT)
            self.popen.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(DEADLINE)


def processes_mentioning(path: Path) -> list[int]:
    """Pids of the processes whose command line contains `path`."""
    needle = str(path.resolve()).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(POLL)
    return False


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pg" / "data" / "postmaster.pid"
    try:
        return int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def stop_leftover_postgres(data_dir: Path) -> None:
    """Stop an embedded PostgreSQL of `data_dir` that outlived its liaison."""
    pids = processes_mentioning(data_dir)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
        except ProcessLookupError:
            pass
    if not wait_gone(pids):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_gone(pids, 10)


def assert_stopped_cleanly(data_dir: Path) -> None:
    leftovers = processes_mentioning(data_dir)
    assert leftovers == [], f"processes still running on {data_dir}: {leftovers}"
    assert postmaster_pid(data_dir) is None, "postmaster.pid left behind: PostgreSQL did not shut down"


@pytest.fixture
def liaison(tmp_path: Path) -> Iterator[Callable[..., Liaison]]:
    """`liaison(args, env=..., data_dir=...)` starts a process, ended at teardown."""
    started: list[Liaison] = []
    data_dirs: list[Path] = []

    def spawn(args: list[str], env: dict[str, str] | None = None, data_dir: Path | None = None) -> Liaison:
        if data_dir is not None and data_dir not in data_dirs:
            data_dirs.append(data_dir)
        process = Liaison(args, clean_env() if env is None else env, tmp_path, f"p{len(started)}")
        started.append(process)
        return process

    try:
        yield spawn
    finally:
        for process in started:
            process.end()
        for data_dir in data_dirs:
            stop_leftover_postgres(data_dir)


@pytest.fixture
def fresh_database(postgres_server: str) -> Iterator[str]:
    """A database of its own on the test server, dropped at the end."""
    with scratch_database(postgres_server, "liaison_cli") as dsn:
        yield dsn


def fetch(dsn: str, sql: str) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


def embedded_dsn(data_dir: Path) -> str:
    """The DSN of the running embedded PostgreSQL of `data_dir` (its port is
    chosen at each start; postmaster.pid says which)."""
    lines = (data_dir / "pg" / "data" / "postmaster.pid").read_text().splitlines()
    password = (data_dir / "pg" / "password").read_text().strip()
    return f"postgresql://liaison:{password}@127.0.0.1:{int(lines[3])}/liaison"


# -- HTTP ----------------------------------------------------------------------


def sign_in(port: int, login: str, password: str) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/api/session", json={"login": login, "password": password}, timeout=30
    )


def me(port: int, token: str) -> dict:
    response = httpx.get(
        f"http://127.0.0.1:{port}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def demo_parent_login(stdout: str, who: str = "parent de deux enfants") -> str:
    lines = [line for line in stdout.splitlines() if who in line and "identifiant :" in line]
    assert len(lines) == 1, stdout
    return lines[0].split("identifiant :", 1)[1].strip()


def parent_children(port: int, login: str) -> list[str]:
    response = sign_in(port, login, DEMO_PASSWORD)
    assert response.status_code == 200, response.text
    profile = me(port, response.json()["token"])
    assert profile["user"]["role"] == "parent"
    return sorted(child["id"] for child in profile["children"])


def parent_inbox(port: int, login: str) -> list[tuple[str, bool]]:
    token = sign_in(port, login, DEMO_PASSWORD).json()["token"]
    response = httpx.get(
        f"http://127.0.0.1:{port}/api/threads", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return sorted((t["subject"], t["require_ack"]) for t in response.json()["threads"])


# -- liaison run, embedded PostgreSQL ------------------------------------------


def start_run(
    liaison: Callable[..., Liaison], data_dir: Path, *more: str, env: dict[str, str] | None = None
) -> tuple[Liaison, int]:
    """`liaison run` on a free port with this data folder (its leftovers stopped at
    teardown): the process, and the port to wait on."""
    port = free_port()
    args = ["run", "--port", str(port), "--data-dir", str(data_dir), *more]
    return liaison(args, env=env, data_dir=data_dir), port


@pytest.mark.slow
def test_run_demo_then_restart_on_the_same_data(liaison, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    # First start: a new cluster, the demo school, its logins on stdout.
    first, port = start_run(liaison, data_dir)
    first_time = first.wait_ready(port)
    login = demo_parent_login(first.wait_for_stdout("Ctrl-C pour arrêter"))
    assert DEMO_PASSWORD in first.stdout
    children = parent_children(port, login)
    assert len(children) == 2
    # The demo is a carnet in use: an announcement to sign, a conversation with a teacher.
    inbox = parent_inbox(port, login)
    assert {("Réunion des parents jeudi à 18 h", True), ("Sortie de vendredi", False)} <= set(inbox)
    # …in a territory: a family of the RPI has one account for its two schools,
    # and past weeks of announcements give the adoption figures something to say.
    village = demo_parent_login(first.stdout, "parent à la maternelle")
    village_token = sign_in(port, village, DEMO_PASSWORD).json()["token"]
    village_me = me(port, village_token)
    assert len({child["school_id"] for child in village_me["children"]}) == 2
    assert len(village_me["schools"]) == 2
    assert len(inbox) > 6
    # …and a cahier with a drawing, whose photo is served to the family.
    token = sign_in(port, login, DEMO_PASSWORD).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    drawings = [
        page
        for child in children
        for page in httpx.get(
            f"http://127.0.0.1:{port}/api/children/{child}/realisations", headers=auth
        ).json()["pages"]
        if page["title"] == "Ma maison"
    ]
    assert len(drawings) == 1
    # Search in French works on the embedded PostgreSQL, which has no `unaccent`.
    found = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "SORTIES"}, headers=auth)
    assert "Sortie de vendredi" in [r["thread"]["subject"] for r in found.json()["results"]], found.text
    photo = httpx.get(f"http://127.0.0.1:{port}{drawings[0]['media'][0]['url']}", headers=auth)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600

    # Ctrl-C: a clean exit, and the embedded PostgreSQL stopped with it.
    assert first.interrupt() == 0, first.output
    assert "Traceback" not in first.stderr, first.stderr
    assert_stopped_cleanly(data_dir)

    # Second start: the same data, no second demo school.
    second, port = start_run(liaison, data_dir)
    second_time = second.wait_ready(port)
    assert demo_parent_login(second.wait_for_stdout("Ctrl-C pour arrêter")) == login
    assert parent_children(port, login) == children
    assert parent_inbox(port, login) == inbox
    dsn = embedded_dsn(data_dir)
    assert fetch(dsn, "SELECT count(*) AS n FROM schools")[0]["n"] == 4
    versions = [r["version"] for r in fetch(dsn, "SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m.version for m in discover()]

    # SIGTERM: the same clean stop.
    assert second.terminate() == 0, second.output
    assert "Traceback" not in second.stderr, second.stderr
    assert_stopped_cleanly(data_dir)

    print(f"\nliaison run start-up: first {first_time:.2f} s (initdb + demo), second {second_time:.2f} s")


@pytest.mark.slow
def test_run_without_demo(liaison, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    process, port = start_run(liaison, data_dir, "--no-demo")
    elapsed = process.wait_ready(port)
    out = process.wait_for_stdout("Ctrl-C pour arrêter")
    assert "démonstration" not in out
    response = sign_in(port, DIRECTOR_LOGIN, DEMO_PASSWORD)
    assert response.status_code == 401, response.text
    assert process.interrupt() == 0, process.output
    assert_stopped_cleanly(data_dir)
    print(f"\nliaison run --no-demo start-up (fresh data dir): {elapsed:.2f} s")


@pytest.mark.slow
def test_run_after_sigkill_stops_the_leftover_postgres(liaison, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first, port = start_run(liaison, data_dir, "--no-demo")
    first.wait_ready(port)
    first.kill()
    leftover = postmaster_pid(data_dir)
    assert leftover is not None and alive(leftover), "SIGKILL was expected to leave PostgreSQL running"
    assert leftover in processes_mentioning(data_dir)

    second, port = start_run(liaison, data_dir, "--no-demo")
    elapsed = second.wait_ready(port)
    assert not alive(leftover), "the leftover PostgreSQL is still running"
    assert "left running" in second.stderr
    assert postmaster_pid(data_dir) not in (None, leftover)
    assert second.terminate() == 0, second.output
    assert_stopped_cleanly(data_dir)
    print(f"\nliaison run start-up after a SIGKILL: {elapsed:.2f} s")


@pytest.mark.slow
def test_run_restarts_its_killed_postgres_and_answers_503_meanwhile(liaison, tmp_path: Path) -> None:
    """Issue 13, item 11: SIGKILL to the embedded PostgreSQL under a running
    `liaison run`: requests answer 503 `unavailable` with Retry-After (never
    500) until the server is restarted, then 200 again by themselves, with
    the data intact."""
    data_dir = tmp_path / "data"
    process, port = start_run(liaison, data_dir)
    process.wait_ready(port)
    login = demo_parent_login(process.wait_for_stdout("Ctrl-C pour arrêter"))
    signed_in = sign_in(port, login, DEMO_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    auth = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    base = f"http://127.0.0.1:{port}"
    inbox_before = parent_inbox(port, login)
    killed = postmaster_pid(data_dir)
    assert killed is not None and alive(killed)

    os.kill(killed, signal.SIGKILL)
    killed_at = time.monotonic()
    statuses: Counter[int] = Counter()
    ready_statuses: Counter[int] = Counter()
    recovered_at = None
    with httpx.Client(timeout=10) as client:
        while time.monotonic() < killed_at + DEADLINE:
            if process.popen.poll() is not None:
                process.fail("exited after its PostgreSQL was killed")
            response = client.get(f"{base}/api/threads", headers=auth)
            statuses[response.status_code] += 1
            if response.status_code == 200 and statuses[503]:
                recovered_at = time.monotonic()
                break
            if response.status_code == 503:
                assert response.headers.get("retry-after", "").isdigit(), response.headers
                assert response.json()["error"]["code"] == "unavailable", response.text
                ready = client.get(f"{base}/readyz")
                ready_statuses[ready.status_code] += 1
                if ready.status_code == 503:
                    assert ready.headers.get("retry-after", "").isdigit(), ready.headers
            elif response.status_code != 200:
                pytest.fail(f"{response.status_code} while PostgreSQL was down: {response.text}")
            time.sleep(POLL)  # polling a real process's recovery: there is no event to wait on
    assert recovered_at is not None, (
        f"no recovery within {DEADLINE:.0f} s: {statuses}\n{process.stderr[-3000:]}"
    )
    assert set(statuses) <= {200, 503}, statuses
    assert ready_statuses[503] >= 1 or ready_statuses == Counter(), ready_statuses

    # Restarted by liaison itself, logged, on the same port; the data intact.
    restarted = postmaster_pid(data_dir)
    assert restarted not in (None, killed) and alive(restarted)
    assert "embedded PostgreSQL stopped" in process.stderr
    assert parent_inbox(port, login) == inbox_before
    assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
    assert process.terminate() == 0, process.output
    assert_stopped_cleanly(data_dir)
    print(
        f"\nembedded PostgreSQL SIGKILL: {statuses[503]} x 503 then 200 after "
        f"{recovered_at - killed_at:.2f} s (no 500)"
    )


# -- liaison run / web against external services -------------------------------


@pytest.mark.slow
def test_run_with_external_database_and_redis(liaison, tmp_path, fresh_database, redis_url) -> None:
    data_dir = tmp_path / "var"
    env = clean_env(DATABASE_URL=fresh_database, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix())
    process, port = start_run(liaison, data_dir, "--no-demo", env=env)
    process.wait_ready(port)
    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).json()
    assert ready == {"status": "ready", "database": True, "bus": True}
    assert not (data_dir / "pg").exists()
    assert [pid for pid in processes_mentioning(data_dir) if pid != process.pid] == []  # no postgres
    versions = [r["version"] for r in fetch(fresh_database, "SELECT version FROM schema_migrations")]
    assert sorted(versions) == [m.version for m in discover()]
    assert process.interrupt() == 0, process.output
    assert not (data_dir / "pg").exists()


# -- liaison migrate -----------------------------------------------------------


@pytest.mark.slow
def test_concurrent_migrate_applies_each_migration_once(liaison, fresh_database) -> None:
    env = clean_env(DATABASE_URL=fresh_database)
    processes = [liaison(["migrate"], env=env) for _ in range(4)]
    for process in processes:
        assert process.wait() == 0, process.output

    expected = discover()
    rows = fetch(fresh_database, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [(m.version, m.name) for m in expected]
    # Between them, the four processes announced each migration exactly once.
    announced = Counter(
        line.strip() for process in processes for line in process.stdout.splitlines() if line.startswith("  ")
    )
    assert announced == Counter(m.name for m in expected)

    again = liaison(["migrate"], env=env)
    assert again.wait() == 0, again.output
    assert "Base à jour." in again.stdout


# -- liaison create-admin and the ADMIN_LOGIN bootstrap ------------------------


def web_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return clean_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        REDIS_PREFIX=redis_prefix(),
        SECRET_KEY="cli-test-secret-" + uuid.uuid4().hex,
        **extra,
    )


@pytest.mark.slow
def test_create_admin(liaison, tmp_path, fresh_database, redis_url) -> None:
    env = clean_env(DATABASE_URL=fresh_database)
    tag = uuid.uuid4().hex[:6]
    file_login, file_password = f"admin-fichier-{tag}", f"Une phrase de passe {tag} pour le fichier"
    env_login, env_password = f"admin-env-{tag}", f"Une autre phrase {tag} par l'environnement"
    secrets = [file_password, env_password]

    password_file = tmp_path / "password.txt"
    password_file.write_text(file_password + "\n")
    by_file = liaison(["create-admin", file_login, "--password-file", str(password_file)], env=env)
    assert by_file.wait() == 0, by_file.output
    assert f"Compte administrateur créé : {file_login}" in by_file.stdout

    by_env = liaison(["create-admin", env_login], env={**env, "LIAISON_ADMIN_PASSWORD": env_password})
    assert by_env.wait() == 0, by_env.output
    assert f"Compte administrateur créé : {env_login}" in by_env.stdout

    refusals = {
        "no password source, no tty": (
            liaison(["create-admin", f"admin-sans-{tag}"], env=env),
            "Mot de passe attendu",
        ),
        "weak password": (
            liaison(["create-admin", f"admin-faible-{tag}"], env={**env, "LIAISON_ADMIN_PASSWORD": "court"}),
            "au moins 10 caractères",
        ),
        "login taken": (
            liaison(["create-admin", file_login], env={**env, "LIAISON_ADMIN_PASSWORD": env_password}),
            "déjà pris",
        ),
    }
    for case, (process, message) in refusals.items():
        code = process.wait()
        assert code != 0, f"{case}: {process.output}"
        assert message in process.stderr, f"{case}: {process.stderr}"
        assert "Traceback" not in process.stderr, f"{case}: {process.stderr}"
    users = fetch(fresh_database, "SELECT login, role FROM users ORDER BY login")
    assert [(u["login"], u["role"]) for u in users] == [(env_login, "admin"), (file_login, "admin")]

    # Both accounts sign in through a running server.
    port = free_port()
    web = liaison(["web", "--port", str(port)], env=web_env(fresh_database, redis_url))
    web.wait_ready(port)
    for login, password in [(file_login, file_password), (env_login, env_password)]:
        response = sign_in(port, login, password)
        assert response.status_code == 200, response.text
        assert response.json()["user"]["role"] == "admin"
    assert web.interrupt() == 0, web.output

    for process in [by_file, by_env, web, *(p for p, _ in refusals.values())]:
        for secret in secrets:
            assert secret not in process.output


@pytest.mark.slow
def test_admin_bootstrap_never_changes_an_existing_account(liaison, fresh_database, redis_url) -> None:
    tag = uuid.uuid4().hex[:6]
    login = f"admin-demarrage-{tag}"
    first_password, second_password = f"Premier mot de passe {tag}", f"Second mot de passe {tag}"

    port = free_port()
    env = web_env(fresh_database, redis_url, ADMIN_LOGIN=login, ADMIN_PASSWORD=first_password)
    first = liaison(["web", "--port", str(port)], env=env)
    first.wait_ready(port)
    response = sign_in(port, login, first_password)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["role"] == "admin"
    assert first.interrupt() == 0, first.output

    port = free_port()
    second = liaison(["web", "--port", str(port)], env={**env, "ADMIN_PASSWORD": second_password})
    second.wait_ready(port)
    assert sign_in(port, login, first_password).status_code == 200
    assert sign_in(port, login, second_password).status_code == 401
    assert second.terminate() == 0, second.output

    assert fetch(fresh_database, "SELECT count(*) AS n FROM users")[0]["n"] == 1
    for process in (first, second):
        assert first_password not in process.output
        assert second_password not in process.output


# -- configuration errors ------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"NOTIFY_GRACE_SECONDS": "abc"}, ["NOTIFY_GRACE_SECONDS"]),
        ({"DATABASE_URL": "mysql://x"}, ["DATABASE_URL"]),
        ({"PUSH_ALLOW_PRIVATE_ENDPOINTS": "maybe"}, ["PUSH_ALLOW_PRIVATE_ENDPOINTS"]),
        ({"ADMIN_LOGIN": "admin"}, ["ADMIN_LOGIN", "ADMIN_PASSWORD"]),
    ],
    ids=["grace", "database-url", "push-private", "admin-login-alone"],
)
def test_bad_configuration_exits_2_naming_the_variable(
    liaison, variables: dict[str, str], named: list[str]
) -> None:
    env = clean_env(
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres",
        SECRET_KEY="cli-test-secret-" + uuid.uuid4().hex,
    )
    env.update(variables)
    process = liaison(["web", "--port", str(free_port())], env=env)
    assert process.wait() == 2, process.output
    assert "Configuration invalide" in process.stderr
    for name in named:
        assert name in process.stderr, process.stderr
    assert "Traceback" not in process.stderr
