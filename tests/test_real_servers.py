"""The site served for real by uvicorn (several workers) and daphne (TCP and unix socket)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from devtools.servers import (
    daphne_command,
    daphne_server,
    manage,
    prepare_site,
    process_group_alive,
    production_environment,
    running_server,
    stop_server,
    uvicorn_server,
)

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated database and collected static files under production settings."""
    workdir = tmp_path_factory.mktemp("site")
    env = production_environment(workdir)
    prepare_site(env)
    return env


def hashed_stylesheet(env: dict[str, str]) -> str:
    """The URL of the stylesheet under its content-hashed name, from the static manifest."""
    manifest = json.loads((Path(env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def check_site(server, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    with server.client() as client:
        home = client.get("/")
        assert home.status_code == 200
        assert "Which credit card pays you the most?" in home.text
        assert "default-src 'self'" in home.headers["content-security-policy"]
        # The README's command lines do not say which server (or version) answers.
        assert "server" not in home.headers

        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}

        stylesheet_url = hashed_stylesheet(env)
        assert stylesheet_url in home.text
        css = client.get(stylesheet_url, headers={"Accept-Encoding": "br"})
        assert css.status_code == 200
        assert css.headers["content-encoding"] == "br"
        assert "immutable" in css.headers["cache-control"]
        assert "max-age=315360000" in css.headers["cache-control"]
        assert ":root" in css.text

        gzipped = client.get(stylesheet_url, headers={"Accept-Encoding": "gzip"})
        assert gzipped.headers["content-encoding"] == "gzip"


def test_uvicorn_with_two_workers_serves_pages_health_and_static_files(
    site: dict[str, str], tmp_path: Path
) -> None:
    with uvicorn_server(site, tmp_path, "--workers", "2") as server:
        check_site(server, site)
        clean = stop_server(server)
        assert clean, server.log()
        assert not process_group_alive(server.process.pid)
    # uvicorn's own loggers survive Django's logging setup: the access log shows our requests.
    assert '"GET /healthz HTTP/1.1" 200' in server.log()


def test_daphne_on_a_tcp_port_serves_pages_health_and_static_files(
    site: dict[str, str], tmp_path: Path
) -> None:
    with daphne_server(site, tmp_path) as server:
        check_site(server, site)
        assert stop_server(server), server.log()
        assert not process_group_alive(server.process.pid)


def test_daphne_on_a_unix_socket_serves_pages_health_and_static_files(
    site: dict[str, str], tmp_path: Path
) -> None:
    socket_path = str(tmp_path / "daphne.sock")
    with running_server(
        daphne_command(uds=socket_path),
        site,
        tmp_path / "daphne-uds.log",
        base_url="http://localhost",
        uds=socket_path,
    ) as server:
        check_site(server, site)
        assert stop_server(server), server.log()
        assert not process_group_alive(server.process.pid)


def test_the_sqlite_file_is_in_wal_mode_so_workers_can_read_while_one_writes(
    site: dict[str, str],
) -> None:
    path = site["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as database:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_healthz_answers_503_when_the_database_is_unreachable(
    site: dict[str, str], tmp_path: Path
) -> None:
    # Nothing listens on port 9 of localhost: every database connection is refused.
    env = dict(site, DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing")
    with uvicorn_server(env, tmp_path) as server, server.client() as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "unreachable"}


def test_healthz_answers_503_while_the_database_file_is_away_and_200_once_it_is_back(
    site: dict[str, str], tmp_path: Path
) -> None:
    # A copy of the site's database, so moving it away disturbs no other test.
    database = tmp_path / "db.sqlite3"
    source = sqlite3.connect(site["DATABASE_URL"].removeprefix("sqlite:///"))
    with source, sqlite3.connect(database) as copy:
        source.backup(copy)
    source.close()
    env = dict(site, DATABASE_URL=f"sqlite:///{database}")
    with uvicorn_server(env, tmp_path) as server, server.client() as client:
        assert client.get("/healthz").status_code == 200
        database.rename(tmp_path / "away.sqlite3")
        # SQLite creates an empty file in its place at the next connection: no catalog there.
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "catalog unreadable"}
        for leftover in tmp_path.glob("db.sqlite3*"):
            leftover.unlink()
        (tmp_path / "away.sqlite3").rename(database)
        assert client.get("/healthz").status_code == 200


TOKEN = "AbCdEfGhIjKlMnOpQrStUv"  # the shape of a results token (22 URL-safe characters)


@pytest.mark.parametrize("serve", [uvicorn_server, daphne_server], ids=["uvicorn", "daphne"])
def test_results_tokens_are_never_whole_in_the_logs(
    site: dict[str, str], tmp_path: Path, serve
) -> None:  # type: ignore[no-untyped-def]
    with serve(site, tmp_path) as server, server.client() as client:
        assert client.get(f"/results/{TOKEN}/").status_code == 404
        assert client.get(f"/results/{TOKEN}/stream/").status_code == 404
        stop_server(server)
    log = server.log()
    assert "/results/AbCdEf…/" in log  # the access log line, shortened
    assert TOKEN not in log
    assert "GhIjKl" not in log


def test_admin_sign_in_is_locked_across_workers(site: dict[str, str], tmp_path: Path) -> None:
    env = dict(site, DJANGO_SUPERUSER_PASSWORD="correct horse battery staple 93")
    manage(env, "createsuperuser", "--noinput", "--username", "lockme", "--email", "l@e.org")
    statuses = []
    with uvicorn_server(site, tmp_path, "--workers", "2") as server:
        for password in ["wrong"] * 5 + ["correct horse battery staple 93"]:
            # A new connection each time, so the tries spread over both workers.
            with server.client() as client:
                client.get("/admin/login/")
                response = client.post(
                    "/admin/login/",
                    data={
                        "csrfmiddlewaretoken": client.cookies["csrftoken"],
                        "username": "lockme",
                        "password": password,
                    },
                )
                statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_a_connection_that_failed_is_not_kept_for_the_next_request(tmp_path: Path) -> None:
    """Connections are kept between requests (DJANGO_DB_CONN_MAX_AGE). While the SQLite file was
    away, threads without a connection opened the empty file SQLite made in its place; once the
    real file is back, such a connection must not be kept, or its thread fails for a minute."""
    env = production_environment(tmp_path)
    prepare_site(env)
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    away = tmp_path / "away"
    away.mkdir()
    with uvicorn_server(env, tmp_path) as server, server.client() as client:
        assert client.get("/healthz").status_code == 200
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for file in database.parent.glob(database.name + "*"):
            file.rename(away / file.name)
        # Each request is lent the least busy thread in turn: most of them open a connection now.
        during = [client.get("/cards/").status_code for _ in range(16)]
        assert 503 in during
        for file in database.parent.glob(database.name + "*"):
            file.unlink()  # the empty database SQLite made meanwhile
        for file in away.iterdir():
            file.rename(database.parent / file.name)
        after = [client.get("/cards/").status_code for _ in range(24)]
    assert after == [200] * 24
