"""``kaidan search``: products and customers."""

from __future__ import annotations

from typing import Annotated

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    open_db,
)

search_app = typer.Typer(help="查找商品、客户 (search).", no_args_is_help=True)


@search_app.command("products")
def search_products(
    query: str, db: DbOpt = None, limit: Annotated[int, typer.Option("--limit")] = 20
) -> None:
    """按编码、条码、拼音首字母或名称查找商品。"""
    from kaidan_tui.domain.money import format_qty
    from kaidan_tui.services.catalog import search_products as find

    for h in find(open_db(db), query, limit):
        typer.echo(
            f"{h.code}\t{h.name}\t{h.spec}\t{h.unit}\t{h.list_price}\t库存 {format_qty(h.stock)}"
        )


@search_app.command("customers")
def search_customers(
    query: str, db: DbOpt = None, limit: Annotated[int, typer.Option("--limit")] = 20
) -> None:
    """按编码、拼音首字母、名称、电话查找客户。"""
    from kaidan_tui.services.catalog import search_customers as find

    for h in find(open_db(db), query, limit):
        typer.echo(f"{h.code}\t{h.name}\t{h.channel}\t{h.phone}\t外欠 {h.balance}")
