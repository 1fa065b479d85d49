"""The scripting contract of the `kaidan` command, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def kaidan(
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


@pytest.fixture
def store(demo_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "x.db"
    shutil.copy(demo_template, path)
    return str(path)


def test_init_creates_private_file_and_users(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    out = kaidan("init", "--db", db)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    out = kaidan(
        "users",
        "add",
        "9001",
        "--name",
        "赵主管",
        "--role",
        "supervisor",
        "--pin-stdin",
        "--db",
        db,
        stdin="4321\n",
    )
    assert out.returncode == 0, out.stderr
    listed = kaidan("users", "list", "--db", db, env={"KAIDAN_DB": db}).stdout
    assert "9001\t赵主管\t主管" in listed
    bad = kaidan("users", "add", "9002", "--name", "x", "--pin-stdin", "--db", db, stdin="12\n")
    assert (
        bad.returncode == 2
        and "PIN 必须是 4 到 8 位数字" in bad.stderr
        and "Traceback" not in bad.stderr
    )


def test_order_import_posts_gap_free_and_holds_below_floor(store: str, tmp_path: Path) -> None:
    out = kaidan("order", "import", str(REPO / "data" / "orders-sample.json"), "--db", store)
    assert out.returncode == 0, out.stderr
    numbers = out.stdout.split()
    assert len(numbers) == 5
    kd = sorted(int(n[-4:]) for n in numbers if n.startswith("XS"))
    assert kd == list(range(kd[0], kd[0] + len(kd)))
    held = kaidan("order", "import", str(REPO / "data" / "orders-below-floor.json"), "--db", store)
    assert held.returncode == 3
    assert held.stdout.strip() == ""
    assert "已挂单" in held.stderr and "低于最低限价" in held.stderr
    nxt = kaidan("order", "import", str(REPO / "data" / "orders-sample.json"), "--db", store)
    assert int(nxt.stdout.split()[0][-4:]) == kd[-1] + 1  # the held order took no number


def test_bad_order_file_imports_nothing(store: str, tmp_path: Path) -> None:
    orders = json.loads((REPO / "data" / "orders-sample.json").read_text(encoding="utf-8"))
    orders[2]["lines"][0]["product"] = "NOSUCH"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(orders, ensure_ascii=False), encoding="utf-8")
    out = kaidan("order", "import", str(bad), "--db", store)
    assert out.returncode == 2
    assert "第 3 个订单" in out.stderr and "NOSUCH" in out.stderr
    assert out.stdout == ""
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    out = kaidan("order", "import", str(tmp_path / "broken.json"), "--db", store)
    assert out.returncode == 2 and "JSON 格式错误" in out.stderr


def test_import_errors_and_uninitialised_store(tmp_path: Path, store: str) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("code,name,channel\nA1,甲,批发\n", encoding="utf-8")
    out = kaidan("import", "customers", str(csv), "--db", store)
    assert out.returncode == 2 and "第 2 行「channel」列" in out.stderr
    out = kaidan("search", "products", "kkkl", "--db", str(tmp_path / "none.db"))
    assert out.returncode == 2 and "kaidan init" in out.stderr


def test_search_and_help(store: str) -> None:
    out = kaidan("search", "products", "kkkl", "--db", store)
    assert out.returncode == 0 and "可口可乐" in out.stdout
    assert kaidan("--help").returncode == 0
