"""The statements package stands alone: no Django, no logging of what it reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import statements

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_package_loads_no_django() -> None:
    code = (
        "import sys, statements; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)

    assert result.returncode == 0


def test_no_module_logs_or_prints() -> None:
    for path in (ROOT / "statements").glob("*.py"):
        source = path.read_text()
        assert "import logging" not in source, path.name
        assert "print(" not in source, path.name


def test_the_public_api_is_importable_from_the_package() -> None:
    for name in statements.__all__:
        assert getattr(statements, name) is not None
