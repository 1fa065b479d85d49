"""Product and customer search: code prefix, barcode, pinyin initials, any substring.

Search keys are computed when a row is saved (ORM events below), never per keystroke:
``initials`` holds the pinyin initials (可口可乐 → kkkl), and two FTS5 tables index
the text — ``search_tri`` (trigram: any substring of ≥ 3 characters) and ``search_gram``
(the 1- and 2-character grams of Chinese names, because trigram cannot match shorter
queries). FTS rowids are ``id*2`` for products and ``id*2+1`` for customers.

On PostgreSQL (no FTS5) substring search falls back to ILIKE.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Mapper
from sqlmodel import Session, col, select

from kaidan_tui.db.models import Customer, Product
from kaidan_tui.domain.text import clean_text, grams, is_cjk, normalise_query, pinyin_initials

PRODUCT, CUSTOMER = 0, 1
_HIGH = "\U0010ffff"


def rowid(kind: int, ref: int) -> int:
    return ref * 2 + kind


def product_body(p: Product) -> tuple[str, str]:
    tri = " ".join(x for x in (p.code, p.barcode or "", p.name, p.initials, p.spec) if x)
    return tri.lower(), " ".join(grams(p.name))


def customer_body(c: Customer) -> tuple[str, str]:
    tri = " ".join(x for x in (c.code, c.name, c.initials, c.contact, c.phone) if x)
    return tri.lower(), " ".join(grams(c.name) + grams(c.contact))


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def index_rows(conn: Connection, kind: int, rows: Iterable[tuple[int, str, str]]) -> None:
    """(id, trigram body, gram body) → replace the FTS rows."""
    if not _is_sqlite(conn):
        return
    data = [{"r": rowid(kind, ref), "t": tri, "g": gr} for ref, tri, gr in rows]
    if not data:
        return
    conn.execute(text("DELETE FROM search_tri WHERE rowid = :r"), data)
    conn.execute(text("DELETE FROM search_gram WHERE rowid = :r"), data)
    conn.execute(text("INSERT INTO search_tri(rowid, body) VALUES (:r, :t)"), data)
    conn.execute(text("INSERT INTO search_gram(rowid, body) VALUES (:r, :g)"), data)


def reindex(session: Session) -> int:
    """Rebuild both FTS tables from the products and customers tables."""
    conn = session.connection()
    if not _is_sqlite(conn):
        return 0
    conn.execute(text("DELETE FROM search_tri"))
    conn.execute(text("DELETE FROM search_gram"))
    n = 0
    products = session.exec(select(Product)).all()
    index_rows(conn, PRODUCT, ((p.id or 0, *product_body(p)) for p in products))
    customers = session.exec(select(Customer)).all()
    index_rows(conn, CUSTOMER, ((c.id or 0, *customer_body(c)) for c in customers))
    n = len(products) + len(customers)
    return n


# --- keys computed on save -------------------------------------------------------------


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _compute_keys(_mapper: Mapper[Any], _conn: Connection, target: Product | Customer) -> None:
    target.code = clean_text(target.code).upper()
    target.name = clean_text(target.name)
    target.initials = pinyin_initials(target.name)


@event.listens_for(Product, "after_insert")
@event.listens_for(Product, "after_update")
def _index_product(_mapper: Mapper[Any], conn: Connection, target: Product) -> None:
    assert target.id is not None
    index_rows(conn, PRODUCT, [(target.id, *product_body(target))])


@event.listens_for(Customer, "after_insert")
@event.listens_for(Customer, "after_update")
def _index_customer(_mapper: Mapper[Any], conn: Connection, target: Customer) -> None:
    assert target.id is not None
    index_rows(conn, CUSTOMER, [(target.id, *customer_body(target))])


# --- queries ---------------------------------------------------------------------------


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def _substring_ids(session: Session, kind: int, q: str, limit: int) -> list[int]:
    conn = session.connection()
    if _is_sqlite(conn):
        if len(q) >= 3:
            table = "search_tri"
        elif any(is_cjk(ch) for ch in q):
            table = "search_gram"
        else:
            return []
        rows = conn.execute(
            text(
                f"SELECT rowid FROM {table} WHERE {table} MATCH :q "
                "AND rowid % 2 = :k ORDER BY rank LIMIT :n"
            ),
            {"q": _fts_phrase(q), "k": kind, "n": limit},
        )
        return [r // 2 for (r,) in rows]
    model: Any = Product if kind == PRODUCT else Customer
    pattern = f"%{q}%"
    stmt = (
        select(model.id)
        .where(
            col(model.name).ilike(pattern)
            | col(model.initials).like(pattern)
            | col(model.code).ilike(pattern)
        )
        .where(model.active == True)  # noqa: E712
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def _ranked_ids(session: Session, kind: int, query: str, limit: int) -> list[int]:
    model: Any = Product if kind == PRODUCT else Customer
    q = normalise_query(query)
    if not q:
        return []
    qu = q.upper()
    found: dict[int, None] = {}

    def take(ids: Iterable[int]) -> bool:
        for i in ids:
            found.setdefault(i, None)
        return len(found) >= limit

    active = model.active == True  # noqa: E712
    exact = col(model.code) == qu
    if kind == PRODUCT:
        exact = exact | (col(model.barcode) == q)
    else:
        exact = exact | (col(model.phone) == q)
    if take(session.exec(select(model.id).where(exact, active)).all()):
        return list(found)[:limit]
    prefix_code = (
        select(model.id)
        .where(col(model.code) >= qu, col(model.code) < qu + _HIGH, active)
        .order_by(model.code)
        .limit(limit)
    )
    if take(session.exec(prefix_code).all()):
        return list(found)[:limit]
    if q.isascii() and q.isalnum():
        prefix_initials = (
            select(model.id)
            .where(col(model.initials) >= q, col(model.initials) < q + _HIGH, active)
            .order_by(model.code)
            .limit(limit)
        )
        if take(session.exec(prefix_initials).all()):
            return list(found)[:limit]
    prefix_name = (
        select(model.id)
        .where(col(model.name) >= q, col(model.name) < q + _HIGH, active)
        .order_by(model.name)
        .limit(limit)
    )
    if take(session.exec(prefix_name).all()):
        return list(found)[:limit]
    sub = _substring_ids(session, kind, q, limit * 2)
    if sub:
        alive = session.exec(select(model.id).where(col(model.id).in_(sub), active)).all()
        alive_set = set(alive)
        take(i for i in sub if i in alive_set)
    return list(found)[:limit]


def find_products(session: Session, query: str, limit: int = 20) -> list[Product]:
    ids = _ranked_ids(session, PRODUCT, query, limit)
    rows = {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def find_customers(session: Session, query: str, limit: int = 20) -> list[Customer]:
    ids = _ranked_ids(session, CUSTOMER, query, limit)
    rows = {c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]
