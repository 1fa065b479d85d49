"""A typist's burst through a real pty: Enter arriving before the match list came back
takes the row the list would have highlighted, and the keys after it land in the fields
they were typed for (the hostile trial: ``nfsq⏎2⏎⏎`` became a search for "nfsq2")."""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

from kaidan_tui.db.engine import Database
from kaidan_tui.services.catalog import search_customers, search_products
from tests.test_autosave_crash import App, open_rows, wait_for


def test_a_burst_of_searches_lands_line_by_line(demo_template: Path, tmp_path: Path) -> None:
    store = tmp_path / "shop.db"
    shutil.copy(demo_template, store)
    db = Database(f"sqlite:///{store}")
    first_customer = search_customers(db, "wh", 12)[0]
    first = {q: search_products(db, q, 12)[0].code for q in ("nfsq", "kkkl")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {"TERM": "xterm-256color"}
    app = App(store, env)
    try:
        app.type("1001\r", 3.0)
        app.type("1234\r", 4.0)
        app.type("wh\rnfsq\r2\r\rkkkl\r3\r\r", 0.5)  # one write: no key waits for a search

        def saved() -> list[tuple[str, str]]:
            rows = open_rows(db)
            if not rows:
                return []
            lines = json.loads(rows[0].data)["slip"]["lines"]
            return [(ln["product"], str(Decimal(ln["qty"]).normalize())) for ln in lines]

        wait_for("both lines autosaved", lambda: len(saved()) == 2)
        assert saved() == [(first["nfsq"], "2"), (first["kkkl"], "3")]
        [row] = open_rows(db)
        assert json.loads(row.data)["slip"]["customer"] == first_customer.code
    finally:
        app.kill()
