"""Results links stay out of the logs: a results token is a key to someone's answers.

Access logs (uvicorn's, daphne's) and Django's request log print paths; a path such as
/results/<token>/ is shortened to its first six characters, enough to follow one visitor's
requests through a log, far too few to open their results.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

_RESULTS_TOKEN = re.compile(r"(/results/[A-Za-z0-9_-]{6})[A-Za-z0-9_-]+")
KEPT = 6


def hide_tokens(text: str) -> str:
    """The text with every results token cut to its first characters."""
    return _RESULTS_TOKEN.sub(r"\1…", text)


def _hidden(value: Any) -> Any:
    return hide_tokens(value) if isinstance(value, str) else value


class HideTokens(logging.Filter):
    """A logging filter that shortens results tokens in the message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_hidden(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _hidden(value) for key, value in record.args.items()}
        return True


_access_filter = HideTokens()


def hide_tokens_in_access_logs() -> None:
    """Shorten tokens in the access log of the server running the application.

    uvicorn logs each request to the "uvicorn.access" logger; daphne writes its access log lines
    itself (AccessLogGenerator.write_entry), so that one method is wrapped, once.
    """
    access = logging.getLogger("uvicorn.access")
    if _access_filter not in access.filters:
        access.addFilter(_access_filter)
    daphne_access = sys.modules.get("daphne.access")
    if daphne_access is None:
        return
    generator = daphne_access.AccessLogGenerator
    if getattr(generator.write_entry, "hides_tokens", False):
        return
    write_entry = generator.write_entry

    def write_entry_hiding_tokens(
        self: Any, host: Any, date: Any, request: Any, *args: Any, **kw: Any
    ) -> None:
        write_entry(self, host, date, _hidden(request), *args, **kw)

    write_entry_hiding_tokens.hides_tokens = True  # type: ignore[attr-defined]
    generator.write_entry = write_entry_hiding_tokens
