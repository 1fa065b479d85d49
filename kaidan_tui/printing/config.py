"""``printers.toml``: the printers of this counter and which slip goes to which.

Looked up in this order: ``--printers PATH``, ``KAIDAN_PRINTERS``,
``$XDG_CONFIG_HOME/kaidan/printers.toml``, then the documented example shipped with the
program (a file printer, so a newcomer sees output with no hardware). ``{data}`` in a
path is the directory of the store (the demo store's folder for ``kaidan demo``).
Every mistake in the file is reported in Chinese with the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kaidan_tui.domain.enums import SlipType
from kaidan_tui.domain.errors import InputError
from kaidan_tui.domain.slip_kinds import ROUTES
from kaidan_tui.printing.dotmatrix import DotMatrixSetup
from kaidan_tui.printing.receipt import ReceiptSetup
from kaidan_tui.printing.transports import TRANSPORTS, transport

KINDS = tuple(TRANSPORTS)
PROTOCOLS = ("escp", "escpos")
DEFAULT_PARTS = ("白联 存根联", "红联 客户联", "蓝联 回单联", "黄联 记账联")
ENCODINGS = ("gb18030", "gbk")
FORM_LENGTHS = {"full": 279.4, "half": 139.7, "third": 93.1}
"""Named form lengths: 整张 11 in, 二等分 5.5 in, 三等分 ≈ 3.67 in."""


class PrinterConfigError(InputError):
    """A mistake in printers.toml."""


@dataclass(frozen=True)
class PrinterConfig:
    name: str
    kind: str
    protocol: str
    columns: int
    description: str = ""
    label: str = ""
    """The short name the clerk sees (status line, previews); the id when not set."""
    path: str = ""
    host: str = ""
    port: int = 9100
    device: str = ""
    vendor_id: int | None = None
    product_id: int | None = None
    baudrate: int = 9600
    queue: str = ""
    timeout: float = 5.0
    parts: tuple[str, ...] = DEFAULT_PARTS
    part_names: bool = True
    """Dot-matrix: print the carbon parts' names on the form (stationery lacks them)."""
    drawer: bool = False
    """Receipt printers: kick the cash drawer for 现款 slips."""
    dotmatrix: DotMatrixSetup = field(default_factory=DotMatrixSetup)
    receipt: ReceiptSetup = field(default_factory=ReceiptSetup)

    @property
    def display(self) -> str:
        """How the counter names this printer: its ``label``, else its id."""
        return self.label or self.name

    @property
    def where(self) -> str:
        """Where the bytes go, for messages (``192.168.1.50:9100``, ``/dev/usb/lp0``)."""
        return transport(self).where


@dataclass(frozen=True)
class PrintersConfig:
    printers: Mapping[str, PrinterConfig]
    routing: Mapping[str, str]
    source: str

    def label(self, name: str) -> str:
        """A printer as the clerk knows it (its ``label``), not its id; an id no longer in
        the file as it is."""
        found = self.printers.get(name)
        return found.display if found is not None else name

    def route(self, what: str) -> PrinterConfig | None:
        """The printer for a slip type (``sale``…) or ``report``; ``None`` = do not print."""
        name = self.routing.get(what) or self.routing.get("default")
        return self.printers.get(name) if name else None

    def target(self, what: str, printer: str | None = None) -> PrinterConfig:
        """The printer named, else the one [routing] gives ``what`` (a slip type or
        ``report``); a PrinterConfigError that says how to route it when there is none."""
        if printer:
            return self.get(printer)
        found = self.route(what)
        if found is None:
            label = "报表" if what == "report" else f"{_what_label(what)}单"
            raise PrinterConfigError(
                f"{self.source} 的 [routing] 没有给{label}指定打印机：请在 [routing] 里加上"
                f' {what} = "打印机名"（或 default = …），或用 --printer 指定'
            )
        return found

    def get(self, name: str) -> PrinterConfig:
        try:
            return self.printers[name]
        except KeyError:
            known = "、".join(self.printers) or "（无）"
            raise PrinterConfigError(
                f"没有名为 {name} 的打印机（{self.source} 里有：{known}）"
            ) from None


def _what_label(what: str) -> str:
    try:
        return SlipType(what).label
    except ValueError:
        return what


def example_path() -> Path:
    packaged = Path(str(resources.files("kaidan_tui"))) / "_data" / "printers.toml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "printers.toml"


def find(path: str | Path | None = None) -> Path:
    if path:
        return Path(path).expanduser()
    if env := os.environ.get("KAIDAN_PRINTERS"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    user = Path(base) / "kaidan" / "printers.toml"
    return user if user.is_file() else example_path()


def load(path: str | Path | None = None, *, data_dir: Path | None = None) -> PrintersConfig:
    where = find(path)
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PrinterConfigError(f"找不到打印机配置文件：{where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PrinterConfigError(f"读不了打印机配置文件 {where}：{exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PrinterConfigError(f"打印机配置文件 {where} 格式错误：{exc}") from None
    return parse(raw, source=str(where), data_dir=data_dir)


def parse(raw: Mapping[str, Any], *, source: str, data_dir: Path | None = None) -> PrintersConfig:
    """``data_dir`` is what ``{data}`` in a path stands for (the store's folder); the
    caller knows it. Without one, a path that uses ``{data}`` is refused."""
    parts = _parts(raw.get("parts", {}).get("names", DEFAULT_PARTS), source, "parts.names")
    printers: dict[str, PrinterConfig] = {}
    for name, table in (raw.get("printers") or {}).items():
        if not isinstance(table, Mapping):
            raise PrinterConfigError(f"{source}：[printers.{name}] 应该是一个表")
        printers[name] = _printer(name, table, source, parts, data_dir)
    routing = {}
    for key, value in (raw.get("routing") or {}).items():
        if key not in (*ROUTES, "default"):
            raise PrinterConfigError(
                f"{source}：[routing] 里的 {key} 不认识，可写：{'、'.join((*ROUTES, 'default'))}"
            )
        if value in ("", "none"):
            continue
        if value not in printers:
            raise PrinterConfigError(
                f'{source}：[routing] {key} = "{value}"，但没有 [printers.{value}]'
            )
        routing[str(key)] = str(value)
    return PrintersConfig(printers, routing, source)


def _parts(value: object, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise PrinterConfigError(f'{source}：{key} 应该是联名列表，如 ["白联 存根联", …]')
    if not 1 <= len(value) <= 6:
        raise PrinterConfigError(f"{source}：{key} 应有 1 到 6 联")
    return tuple(value)


def _printer(
    name: str, t: Mapping[str, Any], source: str, parts: tuple[str, ...], data_dir: Path | None
) -> PrinterConfig:
    where = f"{source}：[printers.{name}]"
    known = {"parts"}  # every key a printer may set (each is read below, set or not)

    def get(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        known.add(key)
        value = t.get(key, default)
        if value is None:
            return None
        wrong_bool = isinstance(value, bool) and kind is not bool
        if wrong_bool or not isinstance(value, kind):
            raise PrinterConfigError(f"{where} 的 {key} = {value!r} 类型不对")
        return value

    kind = get("kind", str, "file")
    if kind not in KINDS:
        raise PrinterConfigError(f"{where} 的 kind = {kind!r} 不认识，可选：{'、'.join(KINDS)}")
    protocol = get("protocol", str, "escp")
    if protocol not in PROTOCOLS:
        raise PrinterConfigError(f"{where} 的 protocol 只能是 escp（针式）或 escpos（小票）")
    columns = get("columns", int, 80 if protocol == "escp" else 48)
    if not 24 <= columns <= 240:
        raise PrinterConfigError(f"{where} 的 columns = {columns} 不合理（24..240）")
    path = str(get("path", str, ""))
    if "{data}" in path:
        if data_dir is None:
            raise PrinterConfigError(f"{where} 的 path 用了 {{data}}，这里却不知道数据目录在哪")
        path = path.replace("{data}", str(data_dir))
    path = str(Path(path).expanduser()) if path else ""
    encoding = str(get("encoding", str, "gb18030")).lower()
    if encoding not in ENCODINGS:
        raise PrinterConfigError(f"{where} 的 encoding 只能是 gb18030 或 gbk（中文打印机的字库）")
    dm = _dotmatrix(get, where, encoding, check=protocol == "escp")
    drawer_pin = get("drawer_pin", int, 2)
    if drawer_pin not in (2, 5):
        raise PrinterConfigError(f"{where} 的 drawer_pin 只能是 2 或 5（钱箱接口的针脚）")
    cut = get("cut", str, "PART").upper()
    if cut not in ("FULL", "PART"):
        raise PrinterConfigError(f"{where} 的 cut 只能是 full 或 part")
    config = PrinterConfig(
        name=name,
        kind=kind,
        protocol=protocol,
        columns=columns,
        description=get("description", str, ""),
        label=get("label", str, ""),
        path=path,
        host=get("host", str, ""),
        port=get("port", int, 9100),
        device=get("device", str, ""),
        vendor_id=_hex(get("vendor_id", (int, str), None), where, "vendor_id"),
        product_id=_hex(get("product_id", (int, str), None), where, "product_id"),
        baudrate=get("baudrate", int, 9600),
        queue=get("queue", str, ""),
        timeout=float(get("timeout", (int, float), 5.0)),
        parts=_parts(t["parts"], source, f"[printers.{name}] parts") if "parts" in t else parts,
        part_names=bool(get("part_names", bool, True)),
        drawer=bool(get("drawer", bool, False)),
        dotmatrix=dm,
        receipt=ReceiptSetup(cut=cut, drawer_pin=drawer_pin, encoding=encoding),
    )
    if unknown := sorted(set(t) - known):
        # a misspelt key (queu, hots, prot) would otherwise fall back to its default
        raise PrinterConfigError(
            f"{where} 没有设置项「{'、'.join(unknown)}」，可能拼错了。"
            f"可用的设置项：{'、'.join(sorted(known))}"
        )
    if problem := TRANSPORTS[kind].problem(config):
        raise PrinterConfigError(f"{where}：{problem}")
    return config


def _dotmatrix(
    get: Callable[[str, type | tuple[type, ...], Any], Any],
    where: str,
    encoding: str,
    *,
    check: bool,
) -> DotMatrixSetup:
    """The form and spacing settings of a dot-matrix printer (checked when it is one)."""
    form = get("form_length_mm", (int, float, str), 139.7)
    if isinstance(form, str):
        if form not in FORM_LENGTHS:
            raise PrinterConfigError(f"{where} 的 form_length_mm 可写毫米数或 full/half/third")
        form = FORM_LENGTHS[form]
    dm = DotMatrixSetup(
        form_length_mm=float(form),
        line_spacing=get("line_spacing", int, 30),
        cpi=get("cpi", int, 10),
        offset_x_mm=float(get("offset_x_mm", (int, float), 0)),
        offset_y_mm=float(get("offset_y_mm", (int, float), 0)),
        bottom_margin_rows=get("bottom_margin_rows", int, 1),
        exact_length=bool(get("exact_length", bool, False)),
        encoding=encoding,
    )
    if check and (problems := dm.check()):
        raise PrinterConfigError(f"{where}：" + "；".join(problems))
    return dm


def _hex(value: int | str | None, where: str, key: str) -> int | None:
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value, 16)
    except ValueError:
        raise PrinterConfigError(
            f'{where} 的 {key} = {value!r} 应是十六进制数，如 "04b8"'
        ) from None
