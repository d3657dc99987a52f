"""Start the real ASGI servers (uvicorn, daphne) as subprocesses for tests and benchmarks."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
APPLICATION = "creditcard_guru.asgi:application"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(workdir: Path, **overrides: str) -> dict[str, str]:
    """Production settings over plain HTTP, with their own database and static root."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "PYTEST_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "creditcard_guru.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(workdir / "staticfiles"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a manage.py command under the given environment; by default fail loudly if it fails."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        check=check,
        capture_output=True,
        text=True,
        timeout=300,
    )


CATALOG = PROJECT_DIR / "data" / "catalog.json"


def prepare_site(env: dict[str, str]) -> None:
    """Migrate the database, load the shipped catalog and collect static files, as `make run`
    does (without a catalog /healthz rightly answers 503)."""
    manage(env, "migrate", "--noinput")
    manage(env, "import_cards", str(CATALOG), "--if-empty", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


@dataclass
class RunningServer:
    """A server subprocess and how to reach it."""

    process: subprocess.Popen[str]
    base_url: str
    log_path: Path
    uds: str | None = None

    def client(self, **kwargs: object) -> httpx.Client:
        """An HTTP client pointed at the server (over its unix socket if it has one)."""
        transport = httpx.HTTPTransport(uds=self.uds) if self.uds else None
        return httpx.Client(base_url=self.base_url, transport=transport, timeout=30, **kwargs)

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")


def uvicorn_command(port: int, *extra: str) -> list[str]:
    """The uvicorn command line the README documents, on a given port."""
    return [
        str(BIN_DIR / "uvicorn"),
        APPLICATION,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        "10",
        "--no-server-header",
        *extra,
    ]


def daphne_command(*, port: int | None = None, uds: str | None = None) -> list[str]:
    """The daphne command line the README documents, on a port or a unix socket."""
    where = ["-u", uds] if uds else ["-b", "127.0.0.1", "-p", str(port)]
    return [str(BIN_DIR / "daphne"), *where, "--no-server-name", APPLICATION]


@contextmanager
def running_server(
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    *,
    base_url: str,
    uds: str | None = None,
    startup_timeout: float = 30.0,
) -> Iterator[RunningServer]:
    """Start a server, wait until /healthz answers, and always stop it (and its workers)."""
    log_file = log_path.open("w")
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    server = RunningServer(process, base_url, log_path, uds)
    try:
        _wait_until_ready(server, startup_timeout)
        yield server
    finally:
        stop_server(server)
        log_file.close()


def _wait_until_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            with server.client() as client:
                if client.get("/healthz").status_code in (200, 503):
                    return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer within {timeout}s:\n{server.log()}")


def stop_server(server: RunningServer, timeout: float = 15.0) -> bool:
    """Stop the server with SIGTERM; True if it and all its workers exited without SIGKILL."""
    process = server.process
    clean = True
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            clean = False
    # Workers share the server's process group: give them a moment, then none may outlive it.
    deadline = time.monotonic() + 5
    while process_group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if process_group_alive(process.pid):
        clean = False
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=5)
    return clean


def process_group_alive(pid: int) -> bool:
    """True while any process of the group led by `pid` still runs."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def uvicorn_server(env: dict[str, str], log_dir: Path, *extra: str) -> Iterator[RunningServer]:
    """uvicorn on a free port (extra arguments such as --workers 4 appended), always stopped."""
    port = free_port()
    with running_server(
        uvicorn_command(port, *extra),
        env,
        log_dir / f"uvicorn-{port}.log",
        base_url=f"http://127.0.0.1:{port}",
    ) as server:
        yield server


@contextmanager
def daphne_server(env: dict[str, str], log_dir: Path) -> Iterator[RunningServer]:
    """daphne on a free TCP port, always stopped."""
    port = free_port()
    with running_server(
        daphne_command(port=port),
        env,
        log_dir / f"daphne-{port}.log",
        base_url=f"http://127.0.0.1:{port}",
    ) as server:
        yield server
