"""Creating a store: schema, the base rows, and the built-in demo."""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlmodel import select

from kaidan_tui.db.engine import Database
from kaidan_tui.db.migrate import upgrade
from kaidan_tui.db.models import Ledger, User, Warehouse
from kaidan_tui.domain.enums import Role
from kaidan_tui.domain.numbering import validate_format
from kaidan_tui.services import audit, settings, users
from kaidan_tui.services.imports import import_file
from kaidan_tui.services.orders import import_orders, read_orders

IMPORT_USER = "IMPORT"
"""Maker of slips posted by ``kaidan order import`` when no ``--user`` is given; cannot log in."""


def data_dir() -> Path:
    """The demo data: inside the wheel (``kaidan_tui/_data``) or the repo's ``data/``."""
    packaged = Path(str(resources.files("kaidan_tui"))) / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


def init_store(db: Database, *, ledger_code: str = "KD", ledger_name: str = "本公司") -> None:
    """Create or upgrade the schema and the rows every store needs; key the store with
    this machine's pepper (created ``0600`` if there is none) the first time."""
    upgrade(db.engine)
    with db.write() as session:
        audit.enable_pepper(session)
        if session.exec(select(Ledger)).first() is None:
            session.add(
                Ledger(code=ledger_code, name=ledger_name, header=ledger_name, is_default=True)
            )
        if session.exec(select(Warehouse)).first() is None:
            session.add(Warehouse(code="ZC", name="总仓", is_default=True))
        if session.exec(select(User).where(User.code == IMPORT_USER)).first() is None:
            session.add(
                User(
                    code=IMPORT_USER,
                    name="接口导入",
                    role=Role.CLERK.value,
                    pin_hash="!",
                    active=True,
                )
            )


@dataclass(frozen=True, slots=True)
class DemoSummary:
    products: int
    customers: int
    slips: int


def load_demo(db: Database, source: Path | None = None) -> DemoSummary:
    """Fill an empty store with the demo catalogue, customers, prices, stock and a few slips."""
    src = source or data_dir()
    config = tomllib.loads((src / "demo.toml").read_text(encoding="utf-8"))
    upgrade(db.engine)
    with db.write() as session:
        audit.enable_pepper(session)  # before the first user: PINs and chain keyed from row 1
        for lg in config["ledgers"]:
            session.add(
                Ledger(
                    code=lg["code"],
                    name=lg["name"],
                    header=lg.get("header", lg["name"]),
                    address=lg.get("address", ""),
                    phone=lg.get("phone", ""),
                    number_format=validate_format(
                        lg.get("number_format", "{prefix}{year}{seq:04d}")
                    ),
                    is_default=lg.get("default", False),
                )
            )
        for wh in config["warehouses"]:
            session.add(
                Warehouse(code=wh["code"], name=wh["name"], is_default=wh.get("default", False))
            )
        for key, value in config.get("settings", {}).items():
            settings.put(session, key, str(value))
        boss: users.UserInfo | None = None  # the first supervisor approves the users after
        for u in config["users"]:
            info = users.add_user(
                session, str(u["code"]), u["name"], Role(u["role"]), str(u["pin"]), approver=boss
            )
            if boss is None and info.is_supervisor:
                boss = info
    init_store(db)
    for kind in ("products", "customers", "prices", "stock"):
        import_file(db, kind, src / f"{kind}.csv")
    with db.read() as session:
        maker = users.get_user(session, str(config["users"][0]["code"]))
    outcomes = import_orders(db, read_orders(src / "orders-sample.json"), user=maker)
    with db.read() as session:
        from kaidan_tui.db.models import Customer, Product

        n_products = len(session.exec(select(Product.id)).all())
        n_customers = len(session.exec(select(Customer.id)).all())
    return DemoSummary(n_products, n_customers, sum(1 for o in outcomes if o.posted))


def _sqlite_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]


def _writer_lock(path: Path) -> Path:
    from kaidan_tui.db.engine import WRITER_LOCK_SUFFIX

    return Path(f"{path}{WRITER_LOCK_SUFFIX}")


def build_demo_file(path: Path, source: Path | None = None) -> DemoSummary:
    """Build the demo store at ``path`` all at once, replacing whatever is there.

    The store is built in a temporary file beside ``path``, checkpointed into that one
    file, and only then moved into place with ``os.replace`` (atomic on one filesystem).
    An interrupted build leaves the old store (or nothing) at ``path``, never half a store.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".building", dir=path.parent)
    os.close(fd)  # mkstemp made it 0600, like every store
    tmp = Path(name)
    try:
        db = Database.open(str(tmp))
        try:
            summary = load_demo(db, source)
            with db.engine.connect() as conn:  # everything into the main file, WAL emptied
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        for stale in _sqlite_files(path)[1:]:  # an old WAL must never meet the new file
            stale.unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        for leftover in [*_sqlite_files(tmp), _writer_lock(tmp)]:
            leftover.unlink(missing_ok=True)
    return summary
