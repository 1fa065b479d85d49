"""Reading an import file: CSV (UTF-8, UTF-8 BOM, GBK) or XLSX, columns found by their
English or Chinese names, every cell checked and every problem kept by row and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session

from kaidan_tui.db.models import (
    Customer,
    Product,
)
from kaidan_tui.domain.errors import KaidanError
from kaidan_tui.domain.money import (
    MAX_QTY,
    normalise_number_text,
    quantity,
)
from kaidan_tui.domain.text import clean_text

MAX_ROWS = 500_000
MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # 1-based row in the file, header = 1
    column: str
    message: str

    def __str__(self) -> str:
        col = f"「{self.column}」列" if self.column else ""
        return f"第 {self.row} 行{col}：{self.message}"


class ImportFailed(KaidanError):
    def __init__(self, problems: list[Problem], *, summary: str | None = None) -> None:
        shown = "\n".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n……另有 {more} 处问题" if more > 0 else ""
        head = (
            summary or f"导入失败，共 {len(problems)} 处问题，没有导入任何数据。请改正后重新导入："
        )
        super().__init__(f"{head}\n{shown}{tail}".rstrip())
        self.problems = problems


@dataclass(slots=True)
class ImportResult:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK); strict."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                [], summary=f"文件声明为 UTF-8 但含有无效字节（位置 {exc.start}）。"
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [],
            summary="无法识别文件编码：既不是 UTF-8 也不是 GBK。请在 Excel/WPS 中另存为"
            "「CSV UTF-8」或 XLSX 后重试。",
        ) from exc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells) of the first sheet / the CSV."""
    if not path.exists():
        raise ImportFailed([], summary=f"找不到文件：{path}")
    suffix = path.suffix.lower()
    rows: list[list[str]]
    if suffix in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise ImportFailed([], summary=f"无法读取 Excel 文件 {path.name}：{exc}") from exc
        ws = wb.worksheets[0]
        rows = [[_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    elif suffix in (".csv", ".txt", ""):
        text = decode_csv_bytes(path.read_bytes())
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise ImportFailed([], summary=f"不支持的文件类型「{suffix}」，请用 CSV 或 XLSX。")
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise ImportFailed([], summary=f"文件 {path.name} 是空的。")
    (_, header), body = numbered[0], numbered[1:]
    if len(body) > MAX_ROWS:
        raise ImportFailed(
            [], summary=f"文件有 {len(body)} 行，超过上限 {MAX_ROWS} 行，请分批导入。"
        )
    return [clean_text(h).lower() for h in header], body


def map_columns(
    header: list[str], aliases: dict[str, tuple[str, ...]], required: Iterable[str]
) -> dict[str, int]:
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(header):
        for canon, names in aliases.items():
            if name == canon or name in names:
                if canon in index:
                    problems.append(Problem(1, name, f"列重复（与第 {index[canon] + 1} 列相同）"))
                index[canon] = i
    missing = [r for r in required if r not in index]
    for m in missing:
        alt = "/".join(aliases[m])
        problems.append(Problem(1, m, f"缺少必需的列（列名 {m} 或 {alt}）"))
    if problems:
        raise ImportFailed(problems)
    return index


class _Row:
    def __init__(self, number: int, cells: list[str], index: dict[str, int], out: list[Problem]):
        self.number, self.cells, self.index, self.out = number, cells, index, out

    def get(self, name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(self.cells):
            return ""
        return clean_text(self.cells[i])

    def bad(self, name: str, message: str) -> None:
        self.out.append(Problem(self.number, name, message))

    def need(self, name: str) -> str:
        value = self.get(name)
        if not value:
            self.bad(name, "不能为空")
        return value

    def parsed(self, name: str, fn: Callable[[str], Any], *, optional: bool = False) -> Any:
        value = self.get(name)
        if not value:
            if not optional:
                self.bad(name, "不能为空")
            return None
        try:
            return fn(value)
        except KaidanError as exc:
            self.bad(name, exc.message)
        except (ValueError, InvalidOperation):
            self.bad(name, f"「{value}」格式不对")
        return None


def _int(text: str) -> int:
    value = int(Decimal(normalise_number_text(text)))
    if value < 1:
        raise ValueError(text)
    return value


def _rate(text: str) -> Decimal:
    t = normalise_number_text(text)
    percent = t.endswith("%")
    value = Decimal(t.rstrip("%"))
    if percent or value >= 1:
        value = value / 100
    if not 0 <= value < 1:
        raise ValueError(text)
    return value


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "y", "yes", "true", "是", "要", "√"):
        return True
    if t in ("0", "n", "no", "false", "否", "不", ""):
        return False
    raise ValueError(text)


def _stock_qty(text: str) -> Decimal:
    """A stock count: zero allowed (unlike an order line), never negative or absurd."""
    value = Decimal(normalise_number_text(text))
    if not value.is_finite() or value < 0 or value > MAX_QTY:
        raise KaidanError(f"库存数量「{text}」不合理：应为 0 到 {MAX_QTY} 之间的数字")
    if value != value.quantize(Decimal("0.001")):
        raise KaidanError(f"库存数量「{text}」小数位太多，最多三位")
    return quantity(value)


def _date(text: str) -> date:
    return date.fromisoformat(normalise_number_text(text).replace("/", "-"))


def _enum(values: Iterable[str], label: str) -> Callable[[str], str]:
    allowed = list(values)

    def parse(text: str) -> str:
        if text not in allowed:
            raise KaidanError(f"{label}「{text}」不认识，可选：{'、'.join(allowed)}")
        return text

    return parse


def _policy(text: str) -> str:
    table = {
        "warn": "warn",
        "提醒": "warn",
        "block": "block",
        "禁止": "block",
        "approve": "approve",
        "审批": "approve",
        "需审批": "approve",
    }
    if text.lower() not in table:
        raise KaidanError(f"超额处理「{text}」不认识，可选：warn/提醒、block/禁止、approve/审批")
    return table[text.lower()]


def _check_unique(rows: list[tuple[int, str]], column: str, out: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for number, key in rows:
        if not key:
            continue
        if key in seen:
            out.append(Problem(number, column, f"「{key}」与第 {seen[key]} 行重复"))
        else:
            seen[key] = number


_Coded = TypeVar("_Coded", Product, Customer)


def _upsert_by_code(
    session: Session,
    model: type[_Coded],
    kind: str,
    parsed: list[dict[str, Any]],
    existing: dict[str, _Coded],
    dry: bool,
) -> ImportResult:
    """Create the rows whose code is new and update the others, column by column.

    Each item holds only the columns the file has (so a short file wipes nothing), plus
    its ``_row`` number, which is dropped here. ``dry``: count, write nothing.
    """
    result = ImportResult(kind, len(parsed), dry_run=dry)
    for item in parsed:
        item.pop("_row")
        row = existing.get(item["code"])
        if row is None:
            result.created += 1
            if not dry:
                session.add(model(**item))
        else:
            result.updated += 1
            if not dry:
                for k, v in item.items():
                    setattr(row, k, v)
                session.add(row)
    return result
