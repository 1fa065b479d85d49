"""The slip layout and the ESC/P and ESC/POS bytes, decoded back to text."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.printing import config as printer_config
from kaidan_tui.printing.config import PrinterConfigError
from kaidan_tui.printing.dotmatrix import DotMatrixSetup
from kaidan_tui.printing.layout import DocLine, Form, SlipDoc, layout
from kaidan_tui.printing.render import preview, render
from kaidan_tui.printing.text import cut, sanitise, width, wrap
from kaidan_tui.printing.transports import decode_escpos_status, decode_lp_status
from tests.support.printer_bytes import columns, decode

D = Decimal


def make_doc(n_lines: int = 3, **changes: object) -> SlipDoc:
    lines = tuple(
        DocLine(
            no=i + 1,
            code=f"YL{i + 1:04d}",
            name="可口可乐 330ml 罐装（经典原味）" if i % 2 else "农夫山泉550ml",
            spec="330ml×24",
            unit="箱",
            qty=D(i + 1),
            price=D("45.50"),
            amount=D("45.50") * (i + 1),
            codes=("WLY0001", "WLY0002") if i == 0 else (),
        )
        for i in range(n_lines)
    )
    total = sum((ln.amount for ln in lines), D(0))
    doc = SlipDoc(
        header="昆明滇润商贸有限公司",
        title="销货清单",
        number="XS20260007",
        business_date=date(2026, 11, 23),
        lines=lines,
        total_qty=sum((ln.qty for ln in lines), D(0)),
        total_amount=total,
        maker="张丽",
        cust_code="K0031",
        cust_name="曲靖麒麟区老王批发部",
        contact="王建国",
        phone="13908741234",
        address="曲靖市麒麟区南宁北路 88 号",
        channel="地州",
        freight_station="顺丰物流托运部",
        freight_phone="0874-3125678",
        settlement="现款",
        delivery="托运",
        remarks="下午三点前发车",
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def cfg(protocol: str, columns: int, **extra: object) -> printer_config.PrinterConfig:
    raw = {"kind": "file", "path": "/dev/null", "protocol": protocol, "columns": columns, **extra}
    return printer_config.parse({"printers": {"p": raw}}, source="test.toml").get("p")


REQUIRED = (
    "昆明滇润商贸有限公司", "销 货 清 单", "XS20260007", "2026-11-23", "曲靖麒麟区老王批发部",
    "王建国", "13908741234", "曲靖市麒麟区南宁北路", "顺丰物流托运部", "0874-3125678",
    "结算方式：现款", "送货方式：托运", "制单人：张丽", "仓管", "经手人", "客户签收",
    "WLY0001", "下午三点前发车",
)  # fmt: skip


# -- text helpers ---------------------------------------------------------------------


def test_width_counts_printed_columns() -> None:
    assert width("abc") == 3
    assert width("可乐") == 4
    assert width("330ml×24") == 9  # × is two bytes in GB18030, two columns on paper


def test_cut_and_wrap_never_split_a_character() -> None:
    assert cut("可口可乐", 5) == "可口"
    assert wrap("可口可乐雪碧芬达", 5) == ["可口", "可乐", "雪碧", "芬达"]
    assert wrap("Coca Cola Zero Sugar", 10) == ["Coca Cola", "Zero Sugar"]


def test_sanitise_removes_every_control_byte() -> None:
    text = sanitise("可乐\x1b@\x1dV\x00\x10\x04\x01\x0c\r\n\t\x7f\x9b¥5")
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in text)
    assert text == "可乐@V ￥5"


# -- layout ---------------------------------------------------------------------------


@pytest.mark.parametrize("cols", [32, 48, 80, 96, 136])
def test_layout_fits_width_and_carries_every_field(cols: int) -> None:
    doc = make_doc(6)
    pages = layout(doc, Form(cols, None, can_enlarge=cols < 64), part="第一联 白联 存根联")
    assert len(pages) == 1
    rows = pages[0].rows
    for row in rows:
        assert width(row.text) * (2 if row.double else 1) <= cols, row
    text = "\n".join(r.text for r in rows).replace("\n", "")
    for field in REQUIRED:
        assert field.replace(" ", "") in text.replace(" ", ""), field
    assert f"￥{doc.total_amount:.2f}" in text
    assert "大写金额：" + amount_in_capitals(doc.total_amount) in text.replace(" ", "")
    assert "第一联 白联 存根联" in text


def test_wide_table_columns_stay_aligned() -> None:
    pages = layout(make_doc(8), Form(80))
    rows = [r.text for r in pages[0].rows]
    head = next(r for r in rows if r.startswith("序号"))
    amount_end = columns(head[: head.index("金额") + 2])
    items = [r for r in rows if re.match(r"^\d+ +YL\d{4}", r)]
    assert len(items) == 8
    for row in items:  # every amount ends in the same printed column as its heading
        amount = re.findall(r"\d+\.\d\d", row)[-1]
        assert columns(row[: row.rindex(amount) + len(amount)]) == amount_end


name_text = st.text(
    st.characters(codec="gb18030", exclude_categories=("Cs",)), min_size=0, max_size=60
)


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(name_text, min_size=1, max_size=6),
    cols=st.sampled_from([32, 48, 80, 96]),
    rows_per_page=st.sampled_from([None, 33, 66]),
)
def test_any_text_fits_and_encodes(names: list[str], cols: int, rows_per_page: int | None) -> None:
    """Whatever is in the data (hanzi, control bytes, ¥): rows fit and bytes decode."""
    base = make_doc(len(names))
    lines = tuple(
        replace(ln, name=n, spec=n[:5], remarks=n[-3:])
        for ln, n in zip(base.lines, names, strict=True)
    )
    doc = replace(base, lines=lines, cust_name=names[0], remarks=names[-1])
    form = Form(cols, rows_per_page)
    pages = layout(doc, form)
    for page in pages:
        if rows_per_page:
            assert len(page.rows) <= rows_per_page
        for row in page.rows:
            assert width(row.text) <= cols
    if cols >= 64:  # every line once, in order, across the forms
        starts = [
            int(m.group(1))
            for page in pages
            for row in page.rows
            if (m := re.match(r"^(\d+) +YL\d{4}", row.text))
        ]
        assert starts == list(range(1, len(names) + 1))
    protocol = "escp" if cols >= 64 else "escpos"
    data = render(doc, cfg(protocol, cols))
    decoded = decode(data, protocol)  # strict GB18030: a cut mid-character fails here
    for chunk in decoded.chunks:
        for row in chunk.rows:
            assert columns(row) <= cols


def test_long_slip_continues_on_next_forms_with_totals_on_the_last() -> None:
    doc = make_doc(40)
    setup = DotMatrixSetup(form_length_mm=139.7)  # 二等分: 33 rows at 1/6 inch
    pages = layout(doc, Form(80, setup.rows_per_page))
    assert len(pages) >= 3
    seen: list[str] = []
    for i, page in enumerate(pages, start=1):
        text = "\n".join(r.text for r in page.rows)
        assert len(page.rows) <= setup.rows_per_page
        assert f"第{i}/{len(pages)}页" in text
        assert ("续页" in text) == (i > 1)
        assert ("合计金额" in text) == (i == len(pages))
        assert ("（续下页）" in text) == (i < len(pages))
        assert "客户签收" in text
        seen += re.findall(r"^(\d+) +YL", text, flags=re.M)
    assert seen == [str(n) for n in range(1, 41)]  # every line once, in order


def test_page_subtotals_add_up_to_the_total() -> None:
    doc = make_doc(40)
    pages = layout(doc, Form(80, 30))
    subtotals = [
        D(m.group(1))
        for p in pages
        for r in p.rows
        if (m := re.search(r"本页小计：￥(-?\d+\.\d\d)", r.text))
    ]
    last = "\n".join(r.text for r in pages[-1].rows)
    last_items = sum(
        (ln.amount for ln in doc.lines if re.search(rf"^{ln.no} +YL", last, flags=re.M)),
        D(0),
    )
    assert sum(subtotals) + last_items == doc.total_amount


def test_too_short_form_is_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="纸张太短"):
        layout(make_doc(3), Form(80, 12))


def test_void_and_reprint_marks() -> None:
    doc = make_doc(2, void=True, void_reason="客户取消订单", reprint_no=2,
                   printed_at=datetime(2026, 11, 23, 15, 4))  # fmt: skip
    text = preview(doc, cfg("escp", 80))
    assert "★ 作废 ★" in text
    assert "作废：客户取消订单" in text
    assert "补打 2 2026-11-23 15:04" in text


def test_return_prints_negative_amounts_and_capitals() -> None:
    doc = make_doc(1, title="销售退货单")
    doc = replace(
        doc,
        lines=tuple(replace(ln, qty=-ln.qty, amount=-ln.amount) for ln in doc.lines),
        total_qty=-doc.total_qty,
        total_amount=-doc.total_amount,
    )
    text = preview(doc, cfg("escp", 80))
    assert "合计金额：￥-45.50" in text
    assert "大写金额：负肆拾伍元伍角" in text


# -- ESC/P ----------------------------------------------------------------------------


@pytest.mark.parametrize(("form", "rows"), [("full", 66), ("half", 33), ("third", 22), (241.3, 57)])
def test_escp_sets_page_length_to_the_form(form: object, rows: int) -> None:
    printer = cfg("escp", 80, form_length_mm=form)
    data = render(make_doc(3), printer)
    decoded = decode(data, "escp")
    assert decoded.commands[:5] == [
        b"\x1b@",
        b"\x1c&",
        b"\x1bP",
        b"\x1b3\x1e",
        b"\x1bC" + bytes([rows]),
    ]
    assert decoded.commands.count(b"\x0c") == 1  # one form, then form feed
    assert data.endswith(b"\x0c")


def test_escp_exact_length_and_calibration() -> None:
    printer = cfg("escp", 96, cpi=12, form_length_mm="third", exact_length=True,
                  offset_x_mm=5.08, offset_y_mm=4.233)  # fmt: skip
    decoded = decode(render(make_doc(30), printer), "escp")
    units = round(93.1 / 25.4 * 360)
    assert b"\x1b(U\x01\x00\x0a" in decoded.commands  # unit = 10/3600 inch
    assert b"\x1b(C\x02\x00" + bytes([units & 0xFF, units >> 8]) in decoded.commands
    assert b"\x1bM" in decoded.commands  # 12 cpi for 96 columns
    forms = decoded.commands.count(b"\x0c")
    assert forms >= 2
    assert decoded.commands.count(b"\x1bJ\x1e") == forms  # 4.233 mm = 30/180 in, every form
    rows = sum(len(c.rows) for c in decoded.chunks)
    assert decoded.commands.count(b"\x1b$\x0c\x00") == rows  # 5.08 mm = 12/60 in, every row


def test_escp_prints_all_parts_in_one_pass_with_their_names() -> None:
    decoded = decode(render(make_doc(2), cfg("escp", 80)), "escp")
    assert len(decoded.chunks) == 1
    last = decoded.chunks[0].rows[-1]
    for name in ("白联 存根联", "红联 客户联", "蓝联 回单联", "黄联 记账联"):
        assert name in last
    quiet = decode(render(make_doc(2), cfg("escp", 80, part_names=False)), "escp")
    assert "存根联" not in quiet.text


# -- ESC/POS --------------------------------------------------------------------------


def test_escpos_prints_each_part_cut_between() -> None:
    data = render(make_doc(3, settlement="月结"), cfg("escpos", 48))
    decoded = decode(data, "escpos")
    assert len(decoded.chunks) == 4
    labels = [
        "第一联 白联 存根联",
        "第二联 红联 客户联",
        "第三联 蓝联 回单联",
        "第四联 黄联 记账联",
    ]
    for chunk, label in zip(decoded.chunks, labels, strict=True):
        assert chunk.rows[-1] == label
        assert chunk.commands[:2] == [b"\x1b@", b"\x1c&"]  # Chinese mode on every part
        assert b"\x1d!\x11" in chunk.commands  # titles enlarged with GS !, not ESC !
        assert chunk.commands[-1] == b"\x1dV\x01"  # partial cut from python-escpos
        assert "合计金额：￥" in chunk.text
    assert not any(c.startswith(b"\x1b!") for c in decoded.commands)
    assert not any(c.startswith(b"\x1bp") for c in decoded.commands)  # 月结: no drawer
    assert "¥".encode("gb18030") not in data


def test_escpos_kicks_the_drawer_for_cash_only_once() -> None:
    printer = cfg("escpos", 48, drawer=True, parts=["存根联", "客户联"])
    decoded = decode(render(make_doc(1, settlement="现款"), printer), "escpos")
    kicks = [c for c in decoded.commands if c.startswith(b"\x1bp")]
    assert kicks == [b"\x1bp\x0022"]
    reprint = decode(render(make_doc(1, settlement="现款", reprint_no=1), printer), "escpos")
    assert not [c for c in reprint.commands if c.startswith(b"\x1bp")]


def test_control_bytes_in_a_product_name_print_as_text() -> None:
    evil = "茅台\x1b@\x1dV\x00\x1bp\x00\x10\x04\x01\x0c飞天"
    clean_doc = make_doc(1)
    evil_doc = replace(clean_doc, lines=(replace(clean_doc.lines[0], name=evil),))
    for protocol, cols in (("escp", 80), ("escpos", 48)):
        clean = decode(render(clean_doc, cfg(protocol, cols)), protocol)
        dirty = decode(render(evil_doc, cfg(protocol, cols)), protocol)
        assert dirty.commands == clean.commands  # not one extra command
        assert "茅台@V" in dirty.text.replace("\n", "")


# -- configuration and status ---------------------------------------------------------


def test_shipped_printers_toml_is_valid_and_routes_every_slip(tmp_path: Path) -> None:
    shipped = printer_config.load(printer_config.example_path(), data_dir=tmp_path)
    assert len(shipped.printers) >= 3
    for kind in ("sale", "return", "gift", "stock_in", "report"):
        assert shipped.route(kind) is not None, kind
    preview_printer = shipped.route("sale")
    assert preview_printer is not None and preview_printer.kind == "file"
    assert preview_printer.path.startswith(str(tmp_path))


@pytest.mark.parametrize(
    ("printer", "message"),
    [
        ({"kind": "laser"}, "kind = 'laser' 不认识"),
        ({"kind": "tcp"}, "需要填写 host"),
        ({"kind": "file", "path": "x", "columns": 10}, "columns = 10 不合理"),
        ({"kind": "file", "path": "x", "cpi": 11}, "cpi=11"),
        ({"kind": "file", "path": "x", "form_length_mm": "a4"}, "full/half/third"),
        ({"kind": "file", "path": "x", "port": "9100"}, "port = '9100' 类型不对"),
        ({"kind": "usb"}, "device"),
        ({"kind": "file", "path": "x", "encoding": "utf-16"}, "gb18030 或 gbk"),
        ({"kind": "file", "path": "x", "drawer_pin": 3}, "drawer_pin 只能是 2 或 5"),
        ({"kind": "tcp", "hots": "10.0.0.5", "host": "h"}, "没有设置项「hots」，可能拼错了"),
        ({"kind": "cups", "queu": "LQ", "queue": "LQ"}, "没有设置项「queu」"),
        (
            {"kind": "file", "path": "x", "form_length_mm": "half", "line_spacing": 36},
            "每张都会走偏",
        ),
    ],
)
def test_config_mistakes_are_named_in_chinese(printer: dict[str, object], message: str) -> None:
    with pytest.raises(PrinterConfigError, match=re.escape(message)) as info:
        printer_config.parse({"printers": {"bad": printer}}, source="printers.toml")
    assert "[printers.bad]" in str(info.value)


def test_routing_to_an_unknown_printer_is_refused() -> None:
    raw = {"printers": {"a": {"kind": "file", "path": "x"}}, "routing": {"sale": "b"}}
    with pytest.raises(PrinterConfigError, match=r"没有 \[printers.b\]"):
        printer_config.parse(raw, source="printers.toml")


def test_status_bits() -> None:
    assert decode_escpos_status(0x12, 0x12).ready
    assert decode_escpos_status(0x1A, 0x12).describe() == "脱机（离线）"
    assert decode_escpos_status(0x12, 0x72).describe() == "缺纸"
    assert decode_escpos_status(0x12, 0x1E).describe() == "纸快用完"
    assert decode_lp_status(0x18).ready
    assert decode_lp_status(0x38).describe() == "缺纸"
    assert decode_lp_status(0x08).describe() == "脱机（离线）"


def test_a_long_remark_is_shortened_to_fit_a_small_form() -> None:
    doc = make_doc(3, remarks="送货前电话联系" * 60)
    pages = layout(doc, Form(80, 21))
    assert all(len(p.rows) <= 21 for p in pages)
    text = "\n".join(r.text for r in pages[-1].rows)
    assert "合计金额：￥" in text and "大写金额：" in text and "客户签收" in text
    assert "…" in text


def test_a_printer_is_shown_by_its_label_and_by_its_id_without_one() -> None:
    raw = {
        "printers": {
            "lq": {"kind": "file", "path": "/tmp/x.bin", "label": "柜台针式"},
            "bare": {"kind": "file", "path": "/tmp/y.bin"},
        },
        "routing": {"default": "lq"},
    }
    printers = printer_config.parse(raw, source="t.toml").printers
    assert printers["lq"].display == "柜台针式"
    assert printers["bare"].display == "bare"
    shipped = printer_config.load(printer_config.example_path(), data_dir=Path("/tmp"))
    assert all(p.label for p in shipped.printers.values()), "the example labels every printer"
