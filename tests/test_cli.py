"""The scripting contract of the `kaidan` command: in process (tests/support/cli.py), and
as a real process where the process is the point (usage errors, bad stores, a crash)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.support.cli import kaidan, kaidan_process

REPO = Path(__file__).resolve().parents[1]
_fresh = iter(range(1, 10**6))


def fresh_sample(tmp_path: Path) -> str:
    """data/orders-sample.json with new 瓶码: the demo store was built from that file, so
    its own codes are already out (D3) and a second import would be held for them."""
    orders = json.loads((REPO / "data" / "orders-sample.json").read_text(encoding="utf-8"))
    for order in orders:
        for line in order["lines"]:
            line["trace_codes"] = [f"T{next(_fresh):06d}" for _ in line.get("trace_codes", [])]
    path = tmp_path / f"orders-{next(_fresh)}.json"
    path.write_text(json.dumps(orders, ensure_ascii=False), encoding="utf-8")
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
    out = kaidan("order", "import", fresh_sample(tmp_path), "--db", store)
    assert out.returncode == 0, out.stderr
    numbers = out.stdout.split()
    assert len(numbers) == 5
    kd = sorted(int(n[-4:]) for n in numbers if n.startswith("XS"))
    assert kd == list(range(kd[0], kd[0] + len(kd)))
    held = kaidan("order", "import", str(REPO / "data" / "orders-below-floor.json"), "--db", store)
    assert held.returncode == 3
    assert held.stdout.strip() == ""
    assert "已挂单" in held.stderr and "低于最低限价" in held.stderr
    nxt = kaidan("order", "import", fresh_sample(tmp_path), "--db", store)
    assert int(nxt.stdout.split()[0][-4:]) == kd[-1] + 1  # the held order took no number
    again = kaidan("order", "import", str(REPO / "data" / "orders-sample.json"), "--db", store)
    assert again.returncode == 3 and "瓶码「WLY2611230001」已在" in again.stderr  # D3


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


# --- robustness: bad stores, bad usage, interrupted builds, failing orders, the log ---


def test_missing_store_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "none.db"
    for args in (["search", "products", "kkkl"], ["users", "list"], []):
        out = kaidan(*args, "--db", str(missing))
        assert out.returncode == 2, out.stderr
        assert (
            f"数据库文件不存在：{missing}。新建正式库请运行 kaidan init --db {missing}"
            in out.stderr
        )
        assert "演示库" not in out.stderr  # there is none yet
        assert not missing.exists() and not missing.parent.exists()
    demo = Path(os.environ["XDG_DATA_HOME"]) / "kaidan" / "demo" / "kaidan-demo.db"
    demo.parent.mkdir(parents=True)
    demo.touch()  # as after `kaidan demo`: the hint names the demo store, since `init`
    out = kaidan("audit", "verify", "--db", str(missing))  # would make an empty one
    assert f"要用演示库请加 --db {demo}" in out.stderr and not missing.exists()


def test_bad_store_path_gets_a_chinese_message(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("这不是数据库\n", encoding="utf-8")
    broken = tmp_path / "broken.db"  # the right header, garbage after it
    broken.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    cases = [
        (tmp_path, "是一个目录"),
        (text_file, "不是 SQLite 数据库文件"),
        (broken, "不是 SQLite 数据库文件"),
    ]
    for path, said in cases:
        for args in (["search", "products", "kkkl"], ["init"]):
            out = kaidan_process(*args, "--db", str(path))
            assert out.returncode == 2, (args, path, out.stderr)
            assert said in out.stderr and str(path) in out.stderr
            assert "Error" not in out.stderr and "Traceback" not in out.stderr
    assert text_file.read_text(encoding="utf-8") == "这不是数据库\n"  # untouched


def test_usage_errors_are_in_chinese(tmp_path: Path) -> None:
    cases = [
        (["--bogus"], "没有选项 --bogus", "kaidan --help"),
        (["import", "products"], "缺少参数 FILE", "kaidan import products --help"),
        (["users", "add", "9001"], "缺少选项 --name", "kaidan users add --help"),
        (["search", "products", "x", "--limit", "many"], "--limit 的值不对：应为整数", ""),
        (["search", "products", "a", "b"], "多余的参数：b", ""),
        (["nosuch"], "没有命令 nosuch", "kaidan --help"),
    ]
    for args, said, hint in cases:
        out = kaidan_process(*args, "--db", str(tmp_path / "x.db"))
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith("命令用法错误：") and said in out.stderr, out.stderr
        assert f"运行 {hint} 查看用法" in out.stderr if hint else "查看用法" in out.stderr
        assert "Error" not in out.stderr and "Usage" not in out.stderr
    helped = kaidan_process("import", "--help")
    assert helped.returncode == 0 and "products" in helped.stdout and helped.stderr == ""
    assert not (tmp_path / "x.db").exists()


def test_demo_is_built_whole_then_moved_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaidan_tui.db.engine import Database
    from kaidan_tui.services import setup

    target = tmp_path / "demo" / "kaidan-demo.db"
    target.parent.mkdir()
    target.write_bytes(b"the old store")

    def interrupted(*_args: object, **_kw: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C half-way: products and prices are in, slips not

    monkeypatch.setattr(setup, "import_orders", interrupted)
    with pytest.raises(KeyboardInterrupt):
        setup.build_demo_file(target)
    assert target.read_bytes() == b"the old store"  # never half a store
    assert sorted(p.name for p in target.parent.iterdir()) == ["kaidan-demo.db"]
    monkeypatch.undo()

    summary = setup.build_demo_file(target)
    assert summary.products > 300 and summary.slips > 0
    assert sorted(p.name for p in target.parent.iterdir()) == ["kaidan-demo.db"]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    db = Database.open(str(target))
    from kaidan_tui.db.migrate import check_schema

    check_schema(db.engine)
    db.dispose()


def test_demo_command_builds_and_rebuilds(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    path = tmp_path / "data" / "kaidan" / "demo" / "kaidan-demo.db"
    first = kaidan("demo", "--no-tui", env=env)
    assert first.returncode == 0 and "演示库已生成" in first.stderr, first.stderr
    inode = os.stat(path).st_ino
    again = kaidan("demo", "--no-tui", env=env)  # kept as it is
    assert again.returncode == 0 and "演示库已生成" not in again.stderr
    assert os.stat(path).st_ino == inode
    fresh = kaidan("demo", "--fresh", "--no-tui", env=env)
    assert fresh.returncode == 0 and "演示库已生成" in fresh.stderr
    assert os.stat(path).st_ino != inode  # a new file, moved into place
    assert sorted(p.name for p in path.parent.iterdir()) == ["kaidan-demo.db"]
    built = tmp_path / "new.db"
    out = kaidan("init", "--demo", "--db", str(built))
    assert out.returncode == 0 and "演示库已生成" in out.stdout, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("new", ".new"))) == [
        "new.db"
    ]
    again = kaidan("init", "--demo", "--db", str(built))
    assert again.returncode == 2 and "已经初始化" in again.stderr


def _main(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run ``kaidan`` in this process (so a test can patch a service), like the script."""
    from kaidan_tui import cli

    monkeypatch.setattr(sys, "argv", ["kaidan", *args])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    out = capsys.readouterr()
    return int(ended.value.code or 0), out.out, out.err


def test_order_import_goes_on_after_one_order_fails(
    store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlmodel import col, func, select

    from kaidan_tui.db.engine import Database
    from kaidan_tui.db.models import Slip
    from kaidan_tui.domain.errors import StateError
    from kaidan_tui.services import slips

    db = Database.open(store)
    with db.read() as s:
        before = s.exec(select(func.count()).select_from(Slip)).one()
    real_post = slips.post

    def post(database: Database, order: slips.SlipIn, **kw: object) -> slips.PostResult:
        if order.customer == "K0015":  # the second order of the sample
            raise StateError("客户「K0015」刚被停用，不能开单。")
        return real_post(database, order, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(slips, "post", post)
    sample = fresh_sample(tmp_path)
    code, out, err = _main(["order", "import", sample, "--db", store], monkeypatch, capsys)
    assert code == 3
    assert "第 2 个订单（客户 K0015）未能过账，也未挂单：客户「K0015」刚被停用" in err
    assert "请改正后只重新导入这一单" in err and "Traceback" not in err
    numbers = out.split()
    assert len(numbers) == 4 and all(n.startswith(("XS", "SCXS")) for n in numbers)
    with db.read() as s:
        after = s.exec(select(func.count()).select_from(Slip)).one()
        assert after == before + 4
        posted = s.exec(select(Slip.number).where(col(Slip.number).in_(numbers))).all()
        assert sorted(n for n in posted if n) == sorted(numbers)
        assert not s.exec(select(Slip).where(Slip.cust_code == "K0015", Slip.id > before)).all()
    db.dispose()


def test_internal_error_is_logged_privately(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kaidan_tui.services import catalog

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "search_products", boom)
    old = os.umask(0o022)
    try:
        code, _out, err = _main(["search", "products", "kkkl", "--db", store], monkeypatch, capsys)
    finally:
        os.umask(old)
    log = tmp_path / "xdg-data" / "kaidan" / "kaidan-error.log"
    assert code == 1
    assert "内部错误" in err and str(log) in err and "Traceback" not in err
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_price_import_says_how_many_tax_exclusive_prices_it_converted(
    store: str, tmp_path: Path
) -> None:
    po = tmp_path / "po.csv"
    po.write_text("商品编码,客户编码,不含税单价\nYL0001,K0041,46.90\n", encoding="utf-8")
    out = kaidan("import", "prices", str(po), "--db", store)
    assert out.returncode == 0, out.stderr
    assert "1 行不含税单价已按商品税率换算为含税单价（D8）" in out.stdout


def test_db_before_the_subcommand_names_the_store(store: str, tmp_path: Path) -> None:
    """`kaidan --db X slip find` (as --help shows it) used KAIDAN_DB, and a test import
    went into the live store. X wins over KAIDAN_DB; a --db after the subcommand wins
    over X."""
    elsewhere = str(tmp_path / "none" / "live.db")
    out = kaidan("--db", store, "slip", "find", "XS20260001", env={"KAIDAN_DB": elsewhere})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("XS20260001")
    out = kaidan("--db", elsewhere, "slip", "find", "XS20260001", "--db", store)
    assert out.returncode == 0 and out.stdout.startswith("XS20260001"), out.stderr
    out = kaidan("--db", elsewhere, "slip", "find", "XS20260001")
    assert out.returncode != 0 and "live.db" in out.stderr


def test_order_import_refuses_a_field_it_does_not_read(store: str, tmp_path: Path) -> None:
    """A misspelt key (idempotency_key for key) was skipped: the order posted again on
    every run. Now nothing is imported and the message names the field and the known ones;
    the 地州 fields (收货人, 托运部…) are read."""
    order = {"customer": "K0032", "idempotency_key": "ord-77",
             "lines": [{"product": "YL0001", "qty": "1"}]}  # fmt: skip
    path = tmp_path / "o.json"
    path.write_text(json.dumps([order]), encoding="utf-8")
    for _ in range(2):
        out = kaidan("order", "import", str(path), "--user", "1001", "--db", store)
        assert out.returncode == 2 and "idempotency_key" in out.stderr and "key" in out.stderr
        assert not out.stdout.strip()  # nothing posted
    line_typo = {**order, "lines": [{"product": "YL0001", "qty": "1", "prcie": "3"}]}
    del line_typo["idempotency_key"]
    path.write_text(json.dumps([line_typo]), encoding="utf-8")
    out = kaidan("order", "import", str(path), "--user", "1001", "--db", store)
    assert out.returncode == 2 and "第 1 个商品行" in out.stderr and "prcie" in out.stderr
    from kaidan_tui.services.orders import read_orders

    regional = {"customer": "K0032", "key": "ord-78", "contact": "王五", "phone": "13900000000",
                "freight_station": "安宁托运部", "freight_phone": "0871-1",
                "lines": [{"product": "YL0001", "qty": "1"}]}  # fmt: skip
    path.write_text(json.dumps([regional]), encoding="utf-8")
    [slip_in] = read_orders(path)
    assert (slip_in.contact, slip_in.freight_station) == ("王五", "安宁托运部")
