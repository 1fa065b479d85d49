"""``kaidan order import``: orders from JSON or CSV files, for integrations and scripts.

The whole file is checked first (shape, codes, quantities, prices): one bad order and
nothing is imported. Then each order is posted in its own transaction; an order that
breaks policy (price below floor, credit, trace codes …) is held as a draft with its
reasons instead. An order that can be neither posted nor held (say, its product was
deactivated after the check) is reported as failed, and the rest go on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kaidan_tui.db.engine import Database
from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.errors import KaidanError, PolicyViolation
from kaidan_tui.domain.slip_kinds import ENTERED
from kaidan_tui.services import slips
from kaidan_tui.services.imports import ImportFailed, Problem, decode_csv_bytes
from kaidan_tui.services.slips import HoldResult, LineIn, PostResult, SlipIn
from kaidan_tui.services.users import UserInfo


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """What became of one order: posted, held, or failed (``error`` says why)."""

    index: int
    customer: str = ""
    posted: PostResult | None = None
    held: HoldResult | None = None
    error: str | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise ValueError("float")
    return str(value)


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "是"):
        return True
    if text in ("", "0", "false", "no", "否"):
        return False
    raise ValueError(f"{where}「{value}」应为 true 或 false")


def _slip_type(value: Any) -> SlipType:
    try:
        return SlipType.parse(str(value or "sale"))
    except ValueError:
        known = "/".join(t.value for t in ENTERED)
        raise ValueError(f"单据类型「{value}」不认识，可选 {known}") from None


ORDER_FIELDS = (
    "customer", "type", "settlement", "delivery", "remarks", "recipient", "contact", "phone",
    "freight_station", "freight_phone", "po_number", "handler", "ledger", "warehouse", "date",
    "key", "discount", "against", "lines",
)  # fmt: skip
LINE_FIELDS = ("product", "qty", "price", "gift", "trace_codes", "remarks")


def _unknown(item: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    """A field the import does not read is refused, not skipped: a misspelt ``key``
    (``idempotency_key``) would post the order again on every run."""
    unknown = [str(k) for k in item if k not in known]
    if unknown:
        raise ValueError(f"{where}有不认识的字段 {', '.join(unknown)}（可用：{', '.join(known)}）")


def order_from_mapping(item: dict[str, Any]) -> SlipIn:
    _unknown(item, ORDER_FIELDS, "订单")
    lines = item.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ValueError("缺少商品行 lines（至少一行）")
    parsed_lines = []
    for n, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or "product" not in line or "qty" not in line:
            raise ValueError(f"第 {n} 个商品行缺少 product 或 qty")
        _unknown(line, LINE_FIELDS, f"第 {n} 个商品行")
        parsed_lines.append(
            LineIn(
                product=str(line["product"]),
                qty=_text(line["qty"]) or "",
                price=_text(line.get("price")),
                is_gift=_flag(line.get("gift", False), f"第 {n} 个商品行的 gift"),
                trace_codes=[str(c) for c in line.get("trace_codes", [])],
                remarks=str(line.get("remarks", "")),
            )
        )
    return SlipIn(
        type=_slip_type(item.get("type")),
        customer=_text(item.get("customer")),
        settlement=_text(item.get("settlement")),
        delivery=str(item.get("delivery", "")),
        remarks=str(item.get("remarks", "")),
        recipient=str(item.get("recipient", "")),
        contact=str(item.get("contact", "")),
        phone=str(item.get("phone", "")),
        freight_station=str(item.get("freight_station", "")),
        freight_phone=str(item.get("freight_phone", "")),
        po_number=str(item.get("po_number", "")),
        handler=str(item.get("handler", "")),
        ledger=_text(item.get("ledger")),
        warehouse=_text(item.get("warehouse")),
        business_date=item.get("date"),
        idempotency_key=_text(item.get("key")),
        discount=str(item.get("discount", "") or ""),
        against=_text(item.get("against")),
        lines=parsed_lines,
    )


def _load_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            [], summary=f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"
        ) from exc
    if isinstance(data, dict):
        data = data.get("orders", [data])
    if not isinstance(data, list):
        raise ImportFailed([], summary="JSON 顶层必须是订单列表 [ {...}, ... ]")
    return [d if isinstance(d, dict) else {"_bad": d} for d in data]


def _load_csv(text: str) -> list[dict[str, Any]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ImportFailed([], summary="CSV 文件没有数据行")
    need = {"customer", "product", "qty"}
    missing = need - set(rows[0].keys())
    if missing:
        raise ImportFailed(
            [],
            summary=f"CSV 缺少列：{', '.join(sorted(missing))}"
            "（另可选 order,type,settlement,remarks,price）",
        )
    orders: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows, start=2):
        key = row.get("order") or f"row{n}"
        order = orders.setdefault(
            key,
            {
                k: row.get(k)
                for k in ("customer", "type", "settlement", "remarks", "key")
                if row.get(k)
            },
        )
        order.setdefault("lines", []).append(
            {"product": row["product"], "qty": row["qty"], "price": row.get("price") or None}
        )
    return list(orders.values())


def read_orders(path: Path) -> list[SlipIn]:
    """Parse the file; raise ImportFailed (nothing imported) on any bad order."""
    if not path.exists():
        raise ImportFailed([], summary=f"找不到文件：{path}")
    text = decode_csv_bytes(path.read_bytes())
    raw = _load_csv(text) if path.suffix.lower() == ".csv" else _load_json(text)
    problems: list[Problem] = []
    orders: list[SlipIn] = []
    for n, item in enumerate(raw, start=1):
        try:
            if "_bad" in item:
                raise ValueError("订单必须是一个对象 {...}")
            orders.append(order_from_mapping(item))
        except (ValueError, ValidationError) as exc:
            problems.append(Problem(n, "", f"第 {n} 个订单：{exc}"))
    if problems:
        raise ImportFailed(problems)
    return orders


def check_orders(db: Database, orders: list[SlipIn]) -> None:
    """Bad codes, quantities or prices anywhere → ImportFailed before anything is posted."""
    problems: list[Problem] = []
    with db.read() as session:
        for n, order in enumerate(orders, start=1):
            try:
                slips.prepare(session, order)
            except KaidanError as exc:
                problems.append(Problem(n, exc.field or "", f"第 {n} 个订单：{exc.message}"))
    if problems:
        raise ImportFailed(problems)


def import_orders(
    db: Database,
    orders: list[SlipIn],
    *,
    user: UserInfo,
    on_done: Callable[[OrderOutcome], None] | None = None,
) -> list[OrderOutcome]:
    check_orders(db, orders)
    outcomes = []
    for n, order in enumerate(orders, start=1):
        who = (order.customer or order.recipient or "").strip()
        try:
            try:
                outcome = OrderOutcome(n, who, posted=slips.post(db, order, user=user))
            except PolicyViolation as exc:
                reasons = [i.message for i in exc.issues]
                outcome = OrderOutcome(
                    n, who, held=slips.hold(db, order, user=user, reasons=reasons)
                )
        except KaidanError as exc:  # its own transaction rolled back; the others go on
            outcome = OrderOutcome(n, who, error=exc.message)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes
