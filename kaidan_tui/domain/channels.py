"""What a slip going out to each channel's customer must carry (D8), as data.

A 地州 slip travels by freight: it names the receiver, their phone, the freight station
and its phone, and the address. A 商超 slip goes to a chain store: its PO number and the
store's code. Each requirement names the field it is filled in — on the order screen's
header (``header=True``; its id is the :class:`SlipIn` field and the screen's field) or
in the customer's record — so that a refusal can say where to fill it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaidan_tui.domain.enums import Channel


@dataclass(frozen=True, slots=True)
class Required:
    field: str
    """The SlipIn field (and the order screen's field id), or the customer's column."""
    label: str
    header: bool
    """Typed on the order screen's header; otherwise it comes from the customer record."""


REQUIRED: dict[str, tuple[Required, ...]] = {
    Channel.REGIONAL: (
        Required("contact", "收货人", header=True),
        Required("phone", "电话", header=True),
        Required("freight_station", "托运部", header=True),
        Required("freight_phone", "托运电话", header=True),
        Required("address", "发货地址", header=False),
    ),
    Channel.SUPERMARKET: (
        Required("po_number", "PO号", header=True),
        Required("store_code", "门店编码", header=False),
    ),
}


def missing_message(channel: str, need: Required) -> str:
    where = f"请在表头「{need.label}」填写" if need.header else "请先在客户资料里补上"
    return f"{channel}客户的单必须有{need.label}：{where}"
