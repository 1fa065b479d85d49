"""Build tests/data/v4_closed_day.db with the PREVIOUS release of kaidan (commit d4ae9d2).

Documentation of how the fixture was made. It runs only against the old code: the
services it calls (and the wrong totals it makes them store) are those of d4ae9d2.
It is not collected by pytest (the name does not start with ``test_``).

    git -C /work/main worktree add /work/wt-v4 d4ae9d2
    python3 -m venv /work/wt-v4/.venv && /work/wt-v4/.venv/bin/pip install -q -e /work/wt-v4
    /work/wt-v4/.venv/bin/python tests/data/make_v4_closed_day.py

What it does, all on one business day (today, by the machine's clock):

1. ``kaidan init --db <scratch>/v4_closed_day.db --demo`` (the old CLI): the demo store,
   whose orders-sample.json posts 5 slips today (4 in ledger KD, 1 in SC).
2. K0012 (盘龙区金星喜洋洋便利店, 直销, 月结): two 月结 sales at policy prices,
   520.00 (YL0001 × 10 @ 52.00) and 90.00 (YL0024 × 3 @ 30.00).
3. 红冲 of the 520.00 sale, the same day (lifecycle.reverse, supervisor 8001).
4. K0017 (五华区篆新永发批发部, 二批, 现款), driver 张师傅, whole-slip discount 95折:
   JS0015 × 6 @ 50.00 = 300.00, YL0004 × 5 @ 40.00 = 200.00, LS0062 × 1 @ 14.00 = 14.00
   (typed, below the floor 14.30: approved by 8001); subtotal 514.00, paid 488.30.
5. Cash counted for every driver exactly as the report expects (张师傅, 自提).
6. 日结 of ledger KD for today, supervisor 8001. The old code stores the reversed sale as
   left out and the 红冲 as −520.00, so by_settlement.月结 and by_channel.直销 come out
   520.00 too low, and products use the lines' amounts before the discount.
7. The engine is disposed (WAL checkpointed), ``kaidan audit verify`` must exit 0, and
   only the single .db file is copied to tests/data (the close's automatic backup and
   the writer lock stay in the scratch folder).

Environment: KAIDAN_PEPPER_FILE defaults to tests/data/v4_pepper (created 0600 by the
init if missing; the fixture store is keyed with it), XDG_DATA_HOME / XDG_CONFIG_HOME
point into the scratch folder, so nothing touches the real home.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "v4_closed_day.db"
SCRATCH = Path(tempfile.mkdtemp(prefix="kaidan-v4-fixture-"))

os.environ.setdefault("KAIDAN_PEPPER_FILE", str(HERE / "v4_pepper"))
os.environ["XDG_DATA_HOME"] = str(SCRATCH / "xdg-data")
os.environ["XDG_CONFIG_HOME"] = str(SCRATCH / "xdg-config")
os.environ.pop("KAIDAN_DB", None)

from kaidan_tui.db.engine import Database  # noqa: E402
from kaidan_tui.db.queries import accounts  # noqa: E402
from kaidan_tui.services import daily, lifecycle, slips, users  # noqa: E402
from kaidan_tui.services.slips import LineIn, SlipIn  # noqa: E402

D = Decimal
KAIDAN = str(Path(sys.executable).with_name("kaidan"))


def kaidan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KAIDAN, *args], capture_output=True, text=True, env=os.environ)


def main() -> None:
    if OUT.exists():
        sys.exit(f"{OUT} exists already; remove it first.")
    store = SCRATCH / OUT.name
    done = kaidan("init", "--db", str(store), "--demo")
    print(done.stdout.strip(), done.stderr.strip())
    assert done.returncode == 0, done

    today = date.today()
    db = Database.open(str(store))
    with db.read() as s:
        clerk = users.get_user(s, "1001")
    boss = users.approve(db, "8001", "8888")

    def post(**kw: object) -> slips.PostResult:
        result = slips.post(db, SlipIn(**kw), user=clerk, approver=boss)  # type: ignore[arg-type]
        print("posted", result.number, result.total_amount, list(result.warnings))
        return result

    big = post(customer="K0012", settlement="月结", delivery="李师傅",
               remarks="月结 520.00（当天红冲）",
               lines=[LineIn(product="YL0001", qty="10")])  # fmt: skip
    assert big.total_amount == D("520.00"), big
    small = post(customer="K0012", settlement="月结", delivery="李师傅", remarks="月结 90.00",
                 lines=[LineIn(product="YL0024", qty="3")])  # fmt: skip
    assert small.total_amount == D("90.00"), small
    red = lifecycle.reverse(db, big.number, reason="客户退单", user=clerk, approver=boss)
    print("reversed", red.number, "by", red.reversal_number)
    cash = post(customer="K0017", settlement="现款", delivery="张师傅", discount="95折",
                remarks="现款 95折",
                lines=[LineIn(product="JS0015", qty="6"),
                       LineIn(product="YL0004", qty="5"),
                       LineIn(product="LS0062", qty="1", price="14.00")])  # fmt: skip
    assert cash.total_amount == D("488.30"), cash

    rep = daily.report(db, today, ledger="KD")
    for d in rep.drivers:
        print("cash", d.driver, d.expected, d.slips)
        daily.count_cash(db, today, d.driver, d.expected, user=clerk, ledger="KD")
    closed = daily.close(db, today, user=clerk, approver=boss, ledger="KD")
    print("closed", closed.business_date, "backup:", closed.backup.message)
    with db.read() as s:
        k0012 = slips.customer_by_code(s, "K0012")
        assert k0012.id is not None
        print("K0012 balance kept", accounts.balance(s, k0012.id),
              "from history", accounts.balance_from_history(s, k0012.id))  # fmt: skip
    db.dispose()  # the last connection closes: the WAL is checkpointed into the file

    for suffix in ("-wal", "-shm", "-journal"):
        assert not Path(f"{store}{suffix}").exists(), suffix
    con = sqlite3.connect(store)
    totals = json.loads(con.execute("SELECT totals FROM day_close").fetchone()[0])
    con.close()
    verified = kaidan("audit", "verify", "--db", str(store))
    print(verified.stdout.strip(), verified.stderr.strip())
    assert verified.returncode == 0, verified

    shutil.copy2(store, OUT)  # the one file; backups/ and the writer lock stay behind
    os.chmod(OUT, 0o600)
    print(json.dumps({k: totals[k] for k in ("date", "by_settlement", "by_channel", "by_type",
                                             "drivers", "products")},
                     ensure_ascii=False, indent=1))  # fmt: skip
    print("written", OUT, OUT.stat().st_size, "bytes; scratch", SCRATCH)


if __name__ == "__main__":
    main()
