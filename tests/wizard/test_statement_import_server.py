"""Statement uploads under the real ASGI server never reach the disk, not even spooled."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.servers import (
    prepare_site,
    production_environment,
    uvicorn_server,
)

pytestmark = pytest.mark.servers


# Injected into the server process only (through PYTHONPATH): records every temporary file the
# process asks for. Linux temporary files have no name, so watching a folder would prove nothing.
SITECUSTOMIZE = """
import os
import tempfile

def _record(name):
    original = getattr(tempfile, name)

    def recorded(*args, **kwargs):
        with open(os.environ["TEMPFILE_LOG"], "a") as log:
            log.write(name + "\\n")
        return original(*args, **kwargs)

    setattr(tempfile, name, recorded)

for _name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
    _record(_name)
"""


def test_a_3_mb_upload_through_uvicorn_creates_no_temporary_file(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "tempfiles.log"
    env = production_environment(tmp_path)
    prepare_site(env)
    env["PYTHONPATH"] = str(hook)
    env["TEMPFILE_LOG"] = str(log)
    rows = b"".join(
        b"%02d/%02d/2026,NEIGHBOURHOOD COFFEE ROASTERS AND BAKERY NO %d,4.50\n"
        % (1 + i % 12, 1 + i % 28, i % 50)
        for i in range(60_000)
    )
    body = b"Date,Description,Amount\n" + rows
    assert len(body) > 3_000_000
    with uvicorn_server(env, tmp_path) as server, server.client() as client:
        client.get("/wizard/import/")
        token = client.cookies["csrftoken"]
        response = client.post(
            "/wizard/import/",
            data={"csrfmiddlewaretoken": token},
            files={"files": ("big.csv", body, "text/csv")},
        )
        assert response.status_code in (200, 302)
        assert "Nothing was saved" not in response.text
    assert not log.exists() or log.read_text() == ""
