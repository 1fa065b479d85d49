"""``keymap.toml``: a counter can move any key (a scanner that sends F-keys, a keyboard
without F11). Each binding of the app has an id; the file maps ids to keys::

    [keys]
    "order.post" = "f12"        # 过账打印
    "order.hold" = "ctrl+h"     # 挂单

Looked up at ``$KAIDAN_KEYMAP``, then ``~/.config/kaidan/keymap.toml``. ``kaidan keys``
lists every id with its key and meaning.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from kaidan_tui.domain.errors import InputError

if TYPE_CHECKING:
    from textual.dom import DOMNode


def keymap_path() -> Path:
    if env := os.environ.get("KAIDAN_KEYMAP"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kaidan" / "keymap.toml"


def load_keymap(known_ids: set[str], path: Path | None = None) -> dict[str, str]:
    """The overrides, checked: unknown ids and bad values are refused in Chinese."""
    where = path or keymap_path()
    if not where.is_file():
        return {}
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"按键配置 {where} 读不了：{exc}") from None
    keys = raw.get("keys", {})
    if not isinstance(keys, dict):
        raise InputError(f"按键配置 {where}：应有 [keys] 表")
    out: dict[str, str] = {}
    for binding_id, key in keys.items():
        if binding_id not in known_ids:
            raise InputError(f"按键配置 {where}：没有操作「{binding_id}」（kaidan keys 列出全部）")
        if not isinstance(key, str) or not key.strip():
            raise InputError(f'按键配置 {where}：「{binding_id}」的键应是文字，如 "f12"')
        out[binding_id] = key.strip().lower()
    return out


def screen_classes() -> list[type[DOMNode]]:
    """Every screen and dialog of the app, found (not listed by hand: a list missed the
    discount dialog): the subclasses of ``Screen`` defined under ``kaidan_tui.tui``."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import kaidan_tui.tui.screens as package

    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
    found: list[type[DOMNode]] = []
    todo: list[type[DOMNode]] = [Screen]
    while todo:
        cls = todo.pop(0)
        for sub in cls.__subclasses__():
            if sub not in found:
                todo.append(sub)
                if sub.__module__.startswith("kaidan_tui.tui."):
                    found.append(sub)
    return found


def binding_table(app: type[DOMNode]) -> list[tuple[str, str, str, str]]:
    """(id, key, description, where) of every binding that can be moved: the app's
    (its class is passed in, so this module stays below app.py) and every screen's. A
    screen names itself for the clerk in ``PLACE``."""
    from textual.binding import Binding

    rows = []
    for cls in [app, *screen_classes()]:
        where = "全局" if cls is app else str(getattr(cls, "PLACE", cls.__name__))
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                rows.append((binding.id, binding.key, binding.description or binding.action, where))
    return rows
