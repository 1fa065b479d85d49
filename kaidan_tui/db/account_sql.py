"""The SQL that keeps ``customer_account`` (外欠) current: triggers and the backfill.

Migration 0006 created it; 0008 re-created it so that a 红冲 moves the balance only when
the slip it reverses carried money (a sale or a return: ``domain/effects.sales_sign``).
Each migration passes the ``reversal`` sign it stands for, so the history of the schema
stays as it was while the text is written once.

What a slip adds to its customer's balance, in fen: the slip's ``total_amount`` times its
sign, when it is posted or reversed and settled on credit (``CREDIT_SETTLEMENTS``).
``tests/test_account.py`` sums the same from the raw rows and checks they agree.
"""

from __future__ import annotations

from collections.abc import Callable

CREDIT = "('月结', '压单', '滚单', '代销')"

Reversal = Callable[[str], str]
"""The sign of a 红冲 row (``NEW``, ``OLD`` or a table alias) as SQL."""


def every_reversal(row: str) -> str:
    """Migration 0006: every 红冲 counted (also that of a gift or stock-in slip: wrong)."""
    return "1"


def reversal_of_sales(row: str) -> str:
    """Migration 0008: a 红冲 counts when what it reverses is a sale or a return."""
    return (
        f"(CASE WHEN (SELECT o.type FROM slip o WHERE o.id = {row}.reverses_id)"
        f" IN ('sale', 'return') THEN 1 ELSE 0 END)"
    )


def contrib(row: str, reversal: Reversal) -> str:
    return (
        f"(CASE WHEN {row}.customer_id IS NOT NULL AND {row}.status IN ('posted', 'reversed')"
        f" AND {row}.settlement IN {CREDIT} THEN {row}.total_amount * (CASE {row}.type"
        f" WHEN 'sale' THEN 1 WHEN 'reversal' THEN {reversal(row)} WHEN 'return' THEN -1"
        f" ELSE 0 END) ELSE 0 END)"
    )


def _sqlite_add(customer: str, amount: str, sign: str = "") -> str:
    """Upsert: add ``amount`` fen (a charge when positive) to the customer's account, or
    take it back with ``sign="-"``."""
    return (
        f"INSERT INTO customer_account (customer_id, balance, charged, charge_count) "
        f"VALUES ({customer}, {sign}({amount}), {sign}max({amount}, 0), {sign}({amount} > 0)) "
        f"ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance, "
        f"charged = charged + excluded.charged, "
        f"charge_count = charge_count + excluded.charge_count;"
    )


SQLITE_SLIP_TRIGGERS = ("kd_account_slip_insert", "kd_account_slip_update")

SQLITE_PAYMENT_TRIGGER = """CREATE TRIGGER kd_account_payment AFTER INSERT ON payment
    BEGIN
        INSERT INTO customer_account (customer_id, balance, charged, charge_count)
        VALUES (NEW.customer_id, -NEW.amount, 0, 0)
        ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance;
    END"""


def sqlite_slip_triggers(reversal: Reversal) -> list[str]:
    new, old = contrib("NEW", reversal), contrib("OLD", reversal)
    return [
        f"""CREATE TRIGGER kd_account_slip_insert AFTER INSERT ON slip
    WHEN {new} != 0
    BEGIN {_sqlite_add("NEW.customer_id", new)} END""",
        f"""CREATE TRIGGER kd_account_slip_update AFTER UPDATE ON slip
    WHEN {old} != {new} OR OLD.customer_id IS NOT NEW.customer_id
    BEGIN
        {_sqlite_add("OLD.customer_id", old, "-")}
        {_sqlite_add("NEW.customer_id", new)}
    END""",
    ]


PG_ADD_FUNCTION = """
CREATE OR REPLACE FUNCTION kd_account_add(cust integer, amount bigint) RETURNS void AS $$
BEGIN
    IF cust IS NULL OR amount = 0 THEN RETURN; END IF;
    INSERT INTO customer_account (customer_id, balance, charged, charge_count)
    VALUES (cust, amount, greatest(amount, 0), CASE WHEN amount > 0 THEN 1 ELSE 0 END)
    ON CONFLICT (customer_id) DO UPDATE SET
        balance = customer_account.balance + excluded.balance,
        charged = customer_account.charged + excluded.charged,
        charge_count = customer_account.charge_count + excluded.charge_count;
END $$ LANGUAGE plpgsql;
"""


def pg_slip_function(reversal: Reversal) -> str:
    new, old = contrib("NEW", reversal), contrib("OLD", reversal)
    return f"""
CREATE OR REPLACE FUNCTION kd_account_slip() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF {old} = {new}
           AND OLD.customer_id IS NOT DISTINCT FROM NEW.customer_id THEN
            RETURN NULL;
        END IF;
        IF {old} != 0 THEN
            INSERT INTO customer_account (customer_id, balance, charged, charge_count)
            VALUES (OLD.customer_id, -{old}, -greatest({old}, 0),
                    CASE WHEN {old} > 0 THEN -1 ELSE 0 END)
            ON CONFLICT (customer_id) DO UPDATE SET
                balance = customer_account.balance + excluded.balance,
                charged = customer_account.charged + excluded.charged,
                charge_count = customer_account.charge_count + excluded.charge_count;
        END IF;
    END IF;
    PERFORM kd_account_add(NEW.customer_id, {new});
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


PG_PAYMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION kd_account_payment() RETURNS trigger AS $$
BEGIN
    INSERT INTO customer_account (customer_id, balance, charged, charge_count)
    VALUES (NEW.customer_id, -NEW.amount, 0, 0)
    ON CONFLICT (customer_id) DO UPDATE SET
        balance = customer_account.balance + excluded.balance;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

PG_TRIGGERS = """
CREATE TRIGGER kd_account_slip AFTER INSERT OR UPDATE ON slip
    FOR EACH ROW EXECUTE FUNCTION kd_account_slip();
CREATE TRIGGER kd_account_payment AFTER INSERT ON payment
    FOR EACH ROW EXECUTE FUNCTION kd_account_payment();
"""


def sums(reversal: Reversal) -> str:
    """(customer_id, balance, charged, charge_count) summed from every slip and payment."""
    each = contrib("s", reversal)
    return f"""
SELECT c.id AS customer_id,
    COALESCE((SELECT SUM({each}) FROM slip s WHERE s.customer_id = c.id), 0)
      - COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.customer_id = c.id), 0)
      AS balance,
    COALESCE((SELECT SUM(CASE WHEN {each} > 0 THEN {each} ELSE 0 END)
              FROM slip s WHERE s.customer_id = c.id), 0) AS charged,
    COALESCE((SELECT SUM(CASE WHEN {each} > 0 THEN 1 ELSE 0 END)
              FROM slip s WHERE s.customer_id = c.id), 0) AS charge_count
FROM customer c
WHERE EXISTS (SELECT 1 FROM slip s WHERE s.customer_id = c.id)
   OR EXISTS (SELECT 1 FROM payment p WHERE p.customer_id = c.id)
"""
