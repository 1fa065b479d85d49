"""`kaidan print` and `kaidan printers`, run as real processes."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import kaidan
from tests.support.fake_printer import FakePrinter
from tests.support.printer_bytes import decode


def write_printers(tmp_path: Path, port: int) -> str:
    path = tmp_path / "printers.toml"
    path.write_text(
        f"""
[printers.lq]
kind = "tcp"
host = "127.0.0.1"
port = {port}
protocol = "escp"
timeout = 2

[printers.paper]
kind = "file"
path = "{{data}}/paper.bin"
protocol = "escpos"
columns = 32

[routing]
sale = "lq"
""",
        encoding="utf-8",
    )
    return str(path)


def test_preview_shows_the_layout(store: str) -> None:
    out = kaidan("print", "XS20260001", "--preview", "--db", store)
    assert out.returncode == 0, out.stderr
    assert "销 货 清 单" in out.stdout and "单号：XS20260001" in out.stdout
    assert "大写金额：" in out.stdout


def test_unknown_number_and_printer_are_explained(store: str, tmp_path: Path) -> None:
    out = kaidan("print", "XS29990001", "--db", store)
    assert out.returncode == 2 and "找不到单号 XS29990001" in out.stderr
    out = kaidan("print", "XS20260001", "--printer", "nope", "--db", store)
    assert out.returncode == 2 and "没有名为 nope 的打印机" in out.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[printers.x]\nkind = 'laser'\n", encoding="utf-8")
    out = kaidan("printers", "list", "--printers", str(bad))
    assert out.returncode == 2 and "kind = 'laser' 不认识" in out.stderr
    assert "Traceback" not in out.stderr


def test_print_waits_for_an_offline_printer_then_sends_pending(store: str, tmp_path: Path) -> None:
    fake = FakePrinter()
    fake.start()
    port = fake.port
    fake.stop()
    printers = write_printers(tmp_path, port)
    out = kaidan("print", "XS20260001", "--db", store, "--printers", printers)
    assert out.returncode == 3
    assert "连不上" in out.stderr and "自动重试" in out.stderr
    fake.start()
    try:
        out = kaidan("print", "--pending", "--db", store, "--printers", printers)
    finally:
        fake.stop()
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "已打印 XS20260001"
    [job] = fake.jobs
    assert "单号：XS20260001" in decode(job, "escp").text


def test_reprint_to_another_printer_is_marked(store: str, tmp_path: Path) -> None:
    printers = write_printers(tmp_path, 9)
    for expected in ("已打印 XS20260002", "已打印 XS20260002（补打 1）"):
        out = kaidan("print", "XS20260002", "--printer", "paper", "--db", store,
                     "--printers", printers)  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == expected
    decoded = decode((tmp_path / "paper.bin").read_bytes(), "escpos")
    assert len(decoded.chunks) == 8  # two copies × four parts
    assert "补打 1" in decoded.chunks[4].text and "补打" not in decoded.chunks[0].text


def test_printers_list_and_test_page(tmp_path: Path) -> None:
    printers = write_printers(tmp_path, 9)
    out = kaidan("printers", "list", "--printers", printers)
    assert out.returncode == 0, out.stderr
    assert "lq\ttcp\tescp\t80 列\t127.0.0.1:9" in out.stdout and "← sale" in out.stdout
    out = kaidan("printers", "test", "paper", "--printers", printers, "--db",
                 str(tmp_path / "t.db"))  # fmt: skip
    assert out.returncode == 0, out.stderr
    decoded = decode((tmp_path / "paper.bin").read_bytes(), "escpos")
    rows = decoded.chunks[0].rows
    assert rows[3:5] == ["         1         2         3  ", "12345678901234567890123456789012"]
    assert rows[5] == "中" * 16
