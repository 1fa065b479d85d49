"""The domain layer is pure: importing it pulls in no UI, database or printer library."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "sqlalchemy", "sqlmodel", "escpos", "alembic")


def test_domain_imports_without_heavy_libraries() -> None:
    code = (
        "import sys, pkgutil, importlib, kaidan_tui.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module('kaidan_tui.domain.' + m.name)\n"
        f"print(','.join(sorted(k for k in sys.modules if k.split('.')[0] in {FORBIDDEN!r})))\n"
        "print(len([k for k in sys.modules if k.startswith('kaidan_tui.domain.')]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, count = out.stdout.rstrip("\n").split("\n")
    assert loaded == "", f"domain imported {loaded}"
    assert int(count) >= 6  # money, capitals, enums, pricing, numbering, text, errors


def test_cli_module_import_is_light() -> None:
    """`kaidan --help` must not pay for alembic, escpos or textual."""
    code = (
        "import sys, kaidan_tui.cli\n"
        "print(sorted(k for k in ('alembic', 'escpos', 'textual') if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_app_starts_without_the_database_or_printer_libraries() -> None:
    """Cold start: the login screen needs Textual only; the store loads in the background."""
    code = (
        "import sys, kaidan_tui.cli, kaidan_tui.tui.app\n"
        "from kaidan_tui.cli import store_opener\n"
        # What the login screen's key bar asks of every app binding before the first paint.
        "app = kaidan_tui.tui.app.KaidanApp(lambda: None)\n"
        "[app.check_action(b.action, ()) for b in app.BINDINGS]\n"
        "print(sorted(k for k in ('sqlalchemy', 'sqlmodel', 'alembic', 'escpos')"
        " if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
