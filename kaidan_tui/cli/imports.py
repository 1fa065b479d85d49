"""``kaidan import``: products, customers, prices and stock from CSV/XLSX."""

from __future__ import annotations

from pathlib import Path

import typer

from kaidan_tui.cli.common import (
    DbOpt,
    DryOpt,
    FileArg,
    open_db,
)

import_app = typer.Typer(help="导入资料：商品、客户、价格、库存 (CSV/XLSX).", no_args_is_help=True)


def _import(kind: str, file: Path, db: str | None, dry_run: bool) -> None:
    from kaidan_tui.services.imports import import_file

    result = import_file(open_db(db), kind, file, dry_run=dry_run)
    verb = "检查通过（未写入）" if dry_run else "已导入"
    typer.echo(f"{verb}：{result.rows} 行，新增 {result.created}，更新 {result.updated}")
    for note in result.notes:
        typer.echo(note)


@import_app.command("products")
def import_products(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """商品：code,name,spec,unit,price[,barcode,case_size,floor_price,tax_rate,coded]。"""
    _import("products", file, db, dry_run)


@import_app.command("customers")
def import_customers(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """客户：code,name[,contact,phone,address,channel,tier,settlement,credit_limit]。"""
    _import("customers", file, db, dry_run)


@import_app.command("prices")
def import_prices(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """价格：product,price 加 tier（等级价）或 customer（协议价）[,valid_from,valid_to]。

    商超采购单的不含税价填在 price_ex_tax（不含税单价）列，可加 pack（每件数量），
    按商品税率换算成一个销售单位的含税价（D8）。
    """
    _import("prices", file, db, dry_run)


@import_app.command("stock")
def import_stock(file: FileArg, db: DbOpt = None, dry_run: DryOpt = False) -> None:
    """库存：product,warehouse,qty（设为该数量，差额记库存变动）。"""
    _import("stock", file, db, dry_run)
