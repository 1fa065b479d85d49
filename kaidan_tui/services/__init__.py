"""Use cases shared by the TUI and the CLI. A service never imports textual.

Each function takes a :class:`~kaidan_tui.db.engine.Database` (or an open session for
composable helpers), does one user action in one transaction, and returns plain
dataclasses, never live ORM rows.
"""
