"""Slip type (F6), new order (Ctrl+N), hold (F8), recall (F7) and loading a slip onto the
screen: the order on screen is never thrown away, only held."""

from __future__ import annotations

import logging
import time
import uuid
from decimal import Decimal

from textual.widgets import Static

from kaidan_tui.domain.enums import PriceSource, SlipType
from kaidan_tui.domain.errors import Diverged, KaidanError, PolicyIssue
from kaidan_tui.services import autosave, held, quotes, slips, users
from kaidan_tui.services.quotes import SlipCheck
from kaidan_tui.services.slips import SlipIn
from kaidan_tui.tui.screens.dialogs import ApprovalDialog, HeldOrders
from kaidan_tui.tui.screens.order_entry.base import TYPES
from kaidan_tui.tui.screens.order_entry.editor import OrderEditor
from kaidan_tui.tui.screens.order_entry.line import Line
from kaidan_tui.tui.screens.type_pick import TypePick

log = logging.getLogger(__name__)


class OrderParking(OrderEditor):
    """Putting the order on screen aside, and bringing one back."""

    # --- type, new, hold, recall ----------------------------------------------------------

    def action_cycle_type(self) -> None:
        """F6: the type from a list; nothing changes until one is picked."""

        def picked(index: int | None) -> None:
            if index is None or TYPES[index] is self.slip_type:
                return
            self.slip_type = TYPES[index]
            self._show_type()
            if self.lines:
                self._say(
                    f"已改为{self.slip_type.label}，已有行的单价保持不变，请核对。", error=False
                )
            self._changed()

        self.app.push_screen(TypePick(list(TYPES), self.slip_type, lines=len(self.lines)), picked)

    def action_new_order(self) -> None:
        """Ctrl+N: an order with lines is held (F7 brings it back), never thrown away. If
        it cannot be held, a second Ctrl+N within a few seconds discards it."""
        armed, self._discard_armed = self._discard_armed, 0.0
        self.type_pinned = False  # Ctrl+N always starts a sale
        if time.monotonic() - armed < 5:
            self.reset()
            self._say("已放弃上一张单（没有保存）。新单。", error=False)
            return
        if not self._has_work():
            self.reset()
            self._say("新单。", error=False)
            return
        problem = self.park()
        if problem is not None:
            self._discard_armed = time.monotonic()
            self._say(f"{problem}　再按一次 Ctrl+N 就放弃本单（不保存）。")

    def _has_work(self) -> bool:
        return bool(self.lines) or self._pending() == "picked"

    def _pending(self) -> str | None:
        """The editor: "picked" (a product chosen, its name still in the cell), "typed"
        (text not yet picked), or None (empty, or the pick was cleared)."""
        text = self._input("product").value.strip()
        if self.current is not None and text == self.current.product.name:
            return "picked"
        return "typed" if text else None

    def action_pin_type(self) -> None:
        """Ctrl+Y: keep this slip type for the next orders too (a run of returns), or not."""
        self.type_pinned = not self.type_pinned
        self._show_type()
        if self.type_pinned:
            self._say(f"已固定单据类型：{self.slip_type.label}。过账后下一张仍是它。", error=False)
        else:
            self._say("已取消固定：过账后下一张是销售单。", error=False)

    def reset(self, outcome: str = "放弃") -> None:
        """An empty order, after a post, a hold or Ctrl+N: a sale again, unless the clerk
        pinned the type (a return left on screen sent a sale out as 退款). ``outcome``:
        what became of the order that was on screen (its autosave is closed with it)."""
        self._let_go()
        self._end_autosave(outcome)
        if not self.type_pinned:
            self.slip_type = SlipType.SALE
        self.customer = None
        self.lines = []
        self.held_id = None
        self.copy_of = None
        self.order_key = uuid.uuid4().hex
        self.check_result = SlipCheck()
        self.discount = ""
        self.against = None
        self.replacing = None
        self._clear_editor()
        for name in ("customer", "settlement", "remarks", "recipient"):
            self._input(name).value = ""
        self.clear_header()
        self.query_one("#customer-info", Static).update("")
        self.query_one("#credit-banner", Static).update("")
        self.query_one("#price-panel", Static).update("")
        self._show_type()
        self._refresh()
        self._focus("customer")

    def action_hold(self) -> None:
        if not self._has_work():
            self._say("没有商品行，不需要挂单。")
            return
        problem = self.park()
        if problem is not None:
            self._say(problem)

    def park(self) -> str | None:
        """Hold the order on screen, the line in the editor included, before anything
        replaces it (F8, F7, Ctrl+N, a slip from the lookup, quitting): nothing typed is
        thrown away. Returns why it could not be held (the order then stays on screen).

        A 改单 is not held: as a held sale it would post beside the slip it was to
        replace. It is dropped, and the original slip stays as it was."""
        if self.posting:
            return "正在过账，请稍候。"
        if self.replacing is not None:
            original = self.replacing
            self.reset(f"放弃改单 {original}")
            self._say(f"已放弃改单，原单 {original} 不变。", error=False)
            return None
        if self._pending() == "picked":
            self.commit_line()
            if self.current is not None:  # the editor's line is not valid: say why
                return f"当前单没能挂起：编辑栏的行有误（{self._said}）。"
        if not self.lines:
            return None
        try:
            held = slips.hold(
                self.db,
                self.slip_in(),
                user=self.user,
                reasons=[f"挂单（挂单 #{self.copy_of} 在别处改过，这是本屏的版本，勿重复过账）"]
                if self.copy_of
                else ["挂单"],
                held_id=self.held_id,
                claim=self.autosave_key,
            )
        except Diverged as exc:
            self._cut_loose()
            return f"{exc.message}屏幕上的单还在，再按一次就另存为新的挂单。"
        except KaidanError as exc:
            return f"当前单没能挂起，仍在屏幕上：{exc.message}"
        except Exception as exc:  # the store is busy or gone: never a traceback
            log.exception("hold failed")
            return f"当前单没能挂起，仍在屏幕上：{exc}"
        self.reset(f"已挂单 #{held.slip_id}")
        self._say(f"已挂单 #{held.slip_id}，按 F7 调出。", error=False)
        return None

    def action_recall(self) -> None:
        """F7: the held orders. The order on screen is held first when one is picked, so
        that none is lost (Esc on the list leaves it as it was)."""

        def chosen(picked: int | None) -> None:
            if picked is None:
                return
            if picked < 0:  # Ctrl+R on the list: release a claim
                self._release(-picked)
                return
            problem = self.park() if self._has_work() else None
            if problem is not None:
                self._say(f"{problem}　没有调出挂单。")
                return
            self.load_held(picked)

        self.app.push_screen(HeldOrders(slips.list_held(self.db)), chosen)

    def load_held(self, slip_id: int) -> None:
        """The held order onto this screen, claimed for it (its autosave key is the
        claim): another window or counter is then told who has it."""
        token = uuid.uuid4().hex
        try:
            order = held.recall(self.db, slip_id, user=self.user, claim=token)
        except Diverged as exc:
            mine = autosave.for_held(self.db, slip_id, self.user)
            if mine is None:
                self._say(f"{exc.message}没有调出。")
                return
            self.restore(mine)  # this clerk's own screen died with it: take that up
            if self.held_id == slip_id:
                self._say(f"已调出挂单 #{slip_id}，连同上次没存的修改，请核对。", error=False)
            return
        except KaidanError as exc:
            self._say(f"{exc.message}没有调出。")
            return
        if self.load(order, held_id=slip_id, autosaved=(token, 0)):
            self._say(f"已调出挂单 #{slip_id}。", error=False)
        else:
            held.let_go(self.db, slip_id, claim=token)

    def _release(self, slip_id: int) -> None:
        """A supervisor frees a held order claimed by a screen that is gone."""

        def approved(creds: tuple[str, str] | None) -> None:
            if creds is None:
                self._say("未审批，没有释放挂单。")
                return
            try:
                boss = users.approve(self.db, *creds)
                who = slips.release(self.db, slip_id, approver=boss, user=self.user)
            except KaidanError as exc:
                self._say(f"没有释放挂单 #{slip_id}：{exc.message}")
                return
            self._say(f"已释放挂单 #{slip_id}（原在{who}编辑），按 F7 可调出。", error=False)

        need = [PolicyIssue("release", f"释放挂单 #{slip_id}：那台柜台上的修改将不能再保存")]
        self.app.push_screen(ApprovalDialog(need), approved)

    def _let_go(self) -> None:
        """The recalled order leaves the screen: the claim goes with it (a hold or a post
        ended it already; then this changes nothing)."""
        if self.held_id is None:
            return
        try:
            held.let_go(self.db, self.held_id, claim=self.autosave_key)
        except Exception:  # the store is gone: the claim stays, a supervisor can free it
            log.exception("releasing the claim on held order %s", self.held_id)

    def _cut_loose(self) -> None:
        """The held order this came from is elsewhere now (another screen, or posted):
        the order on screen becomes one of its own, with a key of its own (held, it
        says whose copy it is)."""
        if self.held_id is not None:
            self.copy_of = self.held_id
        self.held_id = None
        self.order_key = uuid.uuid4().hex
        self._changed()

    def restore(self, autosave_id: int) -> None:
        """恢复未完成的单: an order autosaved on a screen that never finished it, back on
        this one. Taken up in one write (a second window is told it is gone), saved on
        under a new row, with the held order it came from, if that is still free."""
        try:
            taken = autosave.take(self.db, autosave_id, user=self.user)
        except KaidanError as exc:
            self._say(exc.message)
            return
        snap = taken.snapshot
        self.type_pinned = snap.type_pinned
        self.load(
            snap.slip,
            held_id=snap.held_id,
            replacing=snap.replacing,
            autosaved=(taken.key, taken.revision),
        )
        if taken.problem:
            self._say(f"已恢复未完成的单。{taken.problem}过账会另开一张新单，请核对。")
        else:
            self._say("已恢复未完成的单，请核对后过账。", error=False)

    def load(
        self,
        order: SlipIn,
        *,
        held_id: int | None = None,
        replacing: str | None = None,
        autosaved: tuple[str, int] | None = None,
    ) -> bool:
        """Fill the screen from a slip as typed: a held order, a return against a slip,
        or a copy of an old slip (then with today's policy prices). The order on screen
        is held first; if it cannot be, it stays and nothing is loaded."""
        problem = self.park() if self._has_work() else None
        if problem is not None:
            self._say(f"{problem}　没有载入 {order.against or replacing or '挂单'}。")
            return False
        self.reset()
        if autosaved is not None:  # saved on under the same row
            self.autosave_key, self._autosave_rev = autosaved
        self.slip_type = order.type
        self._show_type()
        if order.customer:
            self.set_customer(quotes.customer(self.db, order.customer))
        self._input("settlement").value = order.settlement or ""
        self._input("remarks").value = order.remarks
        self._input("recipient").value = order.recipient
        self.fill_header(order)
        for raw in order.lines:
            q = quotes.quote(self.db, order.customer, raw.product, order.type)
            gift = raw.is_gift and order.type.kind.gift_lines
            price = Decimal(raw.price) if raw.price else q.price
            source = q.source if price == q.price else PriceSource.MANUAL
            if gift:
                price, source = Decimal("0.00"), PriceSource.GIFT
            codes = tuple(raw.trace_codes)
            self.lines.append(
                Line(q.product, Decimal(raw.qty), price, q.price, source, codes, is_gift=gift)
            )
        self.held_id = held_id
        self.discount = order.discount
        self.against = order.against
        self.replacing = replacing
        self._input("remarks").value = order.remarks if not replacing else ""
        if order.idempotency_key:
            self.order_key = order.idempotency_key
        self._show_type()
        self._refresh()
        self._changed()
        self._focus("product")
        return True
