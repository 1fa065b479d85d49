"""Product and customer search: code prefix, barcode, pinyin initials, any substring.

Search keys are computed when a row is saved (ORM events below), never per keystroke:
``initials`` holds the pinyin initials (可口可乐 → kkkl), and two FTS5 tables index
the text — ``search_tri`` (trigram: any substring of ≥ 3 characters) and ``search_gram``
(the 1- and 2-character grams of Chinese names, because trigram cannot match shorter
queries). FTS rowids are ``id*2`` for products and ``id*2+1`` for customers.

On PostgreSQL (no FTS5) the same text is searched with ``LIKE`` on expressions that
carry pg_trgm GIN indexes (``db/ddl.py``, created by the first migration), so there is no
search table to keep in step; prefixes use ``text_pattern_ops`` indexes and the byte-wise
range operators ``~>=~``/``~<~``, which order as SQLite's BINARY collation does.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, event, text
from sqlalchemy.orm import Mapper
from sqlmodel import Session, col, select

from kaidan_tui.db.ddl import PG_CUSTOMER_BODY, PG_CUSTOMER_GRAMS, PG_PRODUCT_BODY
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


_PG_INDEXES = ("search_product_body", "search_customer_body")


def reindex(session: Session) -> int:
    """Rebuild both FTS tables (PostgreSQL: the trigram indexes) from products and customers."""
    conn = session.connection()
    if not _is_sqlite(conn):
        for name in _PG_INDEXES:
            conn.execute(text(f"REINDEX INDEX {name}"))
        counts = conn.execute(
            text("SELECT (SELECT count(*) FROM product) + (SELECT count(*) FROM customer)")
        )
        return int(counts.scalar_one())
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
#
# Each step is one indexed query with its own LIMIT, run in rank order until enough
# rows are found: exact code/barcode (phone for customers), code prefix, pinyin-initials
# prefix, name prefix, then substring through FTS5. Statements are plain SQL, compiled
# once: per keystroke the cost is a few index probes, not ORM machinery.

_TABLES = {PRODUCT: "product", CUSTOMER: "customer"}
_EXACT_ALT = {PRODUCT: "barcode", CUSTOMER: "phone"}


@lru_cache(maxsize=64)
def _stmt(sql: str) -> TextClause:
    return text(sql)


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def _prefix_sql(table: str, column: str, sqlite: bool, order: str) -> str:
    # PostgreSQL: byte-wise comparison (text_pattern_ops), whatever the collation.
    ge, lt = (">=", "<") if sqlite else ("~>=~", "~<~")
    cond = f"{column} {ge} :q AND {column} {lt} :hi"
    if not sqlite:
        order = ", ".join(f'{c.strip()} COLLATE "C"' for c in order.split(","))
    return f"SELECT id FROM {table} WHERE {cond} AND active ORDER BY {order} LIMIT :n"


def _like_escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_PG_BODY = {PRODUCT: PG_PRODUCT_BODY, CUSTOMER: PG_CUSTOMER_BODY}
_PG_GRAMS = {PRODUCT: "lower(name)", CUSTOMER: f"lower{PG_CUSTOMER_GRAMS}"}


def _substring_ids(conn: Connection, kind: int, q: str, limit: int) -> list[int]:
    table = _TABLES[kind]
    if _is_sqlite(conn):
        if len(q) >= 3:
            fts = "search_tri"
        elif any(is_cjk(ch) for ch in q):
            fts = "search_gram"
        else:
            return []
        # No ORDER BY: ranking every match of a common character is what would make a
        # one-character query slow; the first matches in index order are enough.
        sql = (
            f"SELECT t.id FROM {fts} f JOIN {table} t ON t.id = f.rowid / 2 "
            f"WHERE {fts} MATCH :m AND f.rowid % 2 = :k AND t.active LIMIT :n"
        )
        rows = conn.execute(_stmt(sql), {"m": _fts_phrase(q), "k": kind, "n": limit})
        return [r for (r,) in rows]
    # PostgreSQL: the same bodies as the FTS tables, searched with LIKE (pg_trgm GIN
    # indexes serve ≥ 3 characters; 1–2 characters scan names, as the gram table holds).
    if len(q) >= 3:
        body = _PG_BODY[kind]
    elif any(is_cjk(ch) for ch in q):
        body = _PG_GRAMS[kind]
    else:
        return []
    sql = (
        f"SELECT id FROM {table} WHERE {body} LIKE :like AND active "
        'ORDER BY length(name), code COLLATE "C" LIMIT :n'
    )
    params = {"like": f"%{_like_escape(q)}%", "n": limit}
    return [r for (r,) in conn.execute(_stmt(sql), params)]


def ranked_ids(session: Session, kind: int, query: str, limit: int = 20) -> list[int]:
    """Ids of the best matches for what was typed, best first."""
    q = normalise_query(query)
    if not q:
        return []
    conn = session.connection()
    sqlite = _is_sqlite(conn)
    table = _TABLES[kind]
    qu = q.upper()
    found: dict[int, None] = {}
    args = {"q": qu, "hi": qu + _HIGH, "n": limit}

    def take(sql: str, params: dict[str, object]) -> bool:
        for (i,) in conn.execute(_stmt(sql), params):
            found.setdefault(i, None)
        return len(found) >= limit

    exact = f"SELECT id FROM {table} WHERE (code = :q OR {_EXACT_ALT[kind]} = :raw) AND active"
    if take(exact, {"q": qu, "raw": q}):
        return list(found)[:limit]
    exact_hit = bool(found)
    if take(_prefix_sql(table, "code", sqlite, "code"), args):
        return list(found)[:limit]
    if q.isascii() and q.isalnum():
        low = {**args, "q": q, "hi": q + _HIGH}
        if take(_prefix_sql(table, "initials", sqlite, "initials, code"), low):
            return list(found)[:limit]
    else:
        raw = {**args, "q": q, "hi": q + _HIGH}
        if take(_prefix_sql(table, "name", sqlite, "name"), raw):
            return list(found)[:limit]
    if exact_hit and q.isascii():
        return list(found)[:limit]  # a scanned barcode or typed code: no fuzzy tail
    for i in _substring_ids(conn, kind, q, limit):
        found.setdefault(i, None)
    return list(found)[:limit]


def find_products(session: Session, query: str, limit: int = 20) -> list[Product]:
    ids = ranked_ids(session, PRODUCT, query, limit)
    if not ids:
        return []
    rows = {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def find_customers(session: Session, query: str, limit: int = 20) -> list[Customer]:
    ids = ranked_ids(session, CUSTOMER, query, limit)
    if not ids:
        return []
    rows = {c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]
