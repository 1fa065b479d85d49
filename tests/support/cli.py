"""Running ``kaidan`` the way a script does, in this process or as a real one.

:func:`kaidan` calls the same entry point (``kaidan_tui.cli.main``) with the arguments,
stdin and environment given, and catches its exit: stdout, stderr and the exit code come
back as from a process, in a few milliseconds instead of a cold start. Tests whose point
is the process itself (the cold start, the error log of a crash) use
:func:`kaidan_process`.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from unittest import mock


def kaidan_process(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaidan_tui.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def kaidan(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    from kaidan_tui import cli

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        mock.patch.dict(os.environ, env or {}),
        mock.patch.object(sys, "argv", ["kaidan", *args]),
        mock.patch.object(sys, "stdin", io.StringIO(stdin)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    cli.common._opened = None
    return subprocess.CompletedProcess(["kaidan", *args], code, out.getvalue(), err.getvalue())
