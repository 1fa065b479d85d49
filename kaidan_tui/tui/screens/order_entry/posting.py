"""F10 preview and F9: confirm, ask a supervisor when the rules say so, post in a worker,
and keep what the clerk types meanwhile for the emptied screen."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual import events, work

from kaidan_tui.domain import clock
from kaidan_tui.domain.capitals import amount_in_capitals
from kaidan_tui.domain.errors import Diverged, KaidanError, PolicyIssue, PolicyViolation
from kaidan_tui.domain.money import format_money, format_qty
from kaidan_tui.services import day_end, lifecycle, printouts, quotes, slips, users
from kaidan_tui.services.quotes import SlipCheck
from kaidan_tui.services.slips import PostResult, SlipIn
from kaidan_tui.services.users import UserInfo
from kaidan_tui.tui.screens.dialogs import ApprovalDialog, ConfirmPost, DayClosed
from kaidan_tui.tui.screens.order_entry.header import REGIONAL, TEXT_FIELDS
from kaidan_tui.tui.screens.order_entry.parking import OrderParking
from kaidan_tui.tui.screens.printing import PrintPreview, PrintSent
from kaidan_tui.tui.typeahead import apply_key


class OrderPosting(OrderParking):
    """From the slip on screen to a posted slip, without losing a key."""

    # --- while a slip is being saved ----------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a slip is being saved, no key may change the order under it."""
        return not self.posting

    def keep(self, event: events.Key) -> bool:
        """While a slip is being saved (from the confirm panel or after an approval), what
        the clerk types is kept, in order, for the emptied screen. A bare Enter before
        any of it is the same confirmation again, and is dropped. True when kept."""
        if not self.posting:
            return False
        if event.is_printable and event.character:
            self._typed.append(event.character)
        elif event.key == "backspace" and self._typed:
            self._typed.append("backspace")
        elif event.key == "enter":
            if self._typed:
                self._typed.append("enter")
        else:
            return False  # Esc, F-keys: refused while saving (check_action)
        return True

    def on_print_sent(self, message: PrintSent) -> None:
        """Printed: said on the line that announced the slip, while it still does (once
        the clerk has moved on, the paper says it). Never a toast here: each toast on
        screen is re-mounted at every screen change, the confirm panel's included, and
        made the next F9 half as fast again. A print that fails shows in the banner."""
        message.stop()
        if self._announced is not None and self._announced[0] == message.number:
            line = self._announced[1]
            self._say(f"{line}，已送到 {message.printer}", error=False)
        elif not self._said:  # a reprint or a retried slip, and nothing else to say
            self._say(message.text, error=False)

    # --- F10: print preview ------------------------------------------------------------

    def action_preview(self) -> None:
        """The draft as it will print; with no lines, the last posted slip."""
        printers = self.app.printers
        if printers is None:
            self._say("没有可用的打印机配置，无法预览（见 printers.toml）。")
            return
        try:
            if self.lines:
                order = self.slip_in()
                text, target = printouts.draft_preview(
                    self.db, order, printers, maker=self.user.name
                )
                title = f"打印预览：{target.display}（未过账）"
            elif self.last_posted is not None:
                number = self.last_posted.number
                text, target = printouts.slip_preview(self.db, number, printers)
                title = f"打印预览：{number} → {target.display}"
            else:
                self._say("本单还没有商品行，也没有刚过账的单据可预览。")
                return
        except (KaidanError, ValueError) as exc:
            self._say(f"无法预览：{getattr(exc, 'message', exc)}")
            return
        self.app.push_screen(PrintPreview(title, text))

    # --- F9: confirm, approve, post -----------------------------------------------------

    def action_post(self) -> None:
        if self.posting:
            return
        if not self._take_pending_line():
            return
        if self.slip_type.has_customer and self.customer is None:
            self._say("请先选择客户。")
            self._focus("customer")
            return
        if not self.lines:
            self._say("单据没有商品行。")
            self._focus("product")
            return
        self._hide_popup()
        if not self.check_date():
            return
        result = quotes.check(self.db, self.slip_in(), replacing=self.replacing)
        self.check_result = result
        self._refresh()
        if result.error is not None:
            self._say(result.error.message)
            self._focus_field(result.error.field)
            return
        if result.refused:
            self._say(
                "不能过账：" + "；".join(i.message for i in result.refused) + "。可按 F8 挂单。"
            )
            self._focus_field(result.refused[0].field)
            return
        if self._day_closed():  # asked once the slip is known to be postable
            return
        # Nothing more to ask: Enter on the panel posts at once (see ConfirmPost).
        direct = not self.replacing and not result.needs_approval
        dialog = ConfirmPost(
            self._summary(result),
            preview=self.action_preview,
            post=(lambda: self._post(None)) if direct else None,
            keep=self.keep,
        )
        self._confirm = dialog if direct else None

        def confirmed(ok: bool | None) -> None:
            if not ok or direct:  # direct: the panel started the post itself
                return
            if self.replacing:
                self._ask_replace(result.needs_approval)
            else:
                self._ask_approval(result.needs_approval, "")

        self.app.push_screen(dialog, confirmed)

    def _focus_field(self, name: str | None) -> None:
        """The cursor to the header field a refusal names (收货人, PO号, 日期 …)."""
        if name in TEXT_FIELDS and self._input(name).display:
            if name in REGIONAL and not self.query_one("#regional-row").display:
                return
            self._focus(name)

    def _day_closed(self) -> bool:
        """F9 into a closed day: offer the next open one, or to hold. True: not now."""
        try:
            day, open_day = day_end.open_day_for(self.db, self.slip_in())
        except KaidanError:
            return False  # the check below says what is wrong with the slip
        if day == open_day:
            return False

        def answered(choice: str | None) -> None:
            if choice == "next":
                self._input("business_date").value = open_day.isoformat()
                self._changed()
                self.action_post()
            elif choice == "hold":
                self.action_hold()

        self.app.push_screen(DayClosed(day, open_day, today=clock.today()), answered)
        return True

    def _take_pending_line(self) -> bool:
        """F9 with a line still in the editor: a picked product joins the slip as if Enter
        had been pressed on its price (or stays, with the reason, if it cannot); a product
        text not picked stops the post, so that no typed line is left out."""
        pending = self._pending()
        if pending == "picked":
            self.commit_line()
            return self.current is None
        if pending == "typed":
            typed = self._input("product").value.strip()
            self._say(f"商品栏的「{typed}」还没选定：按 Enter 选定，或清空后再按 F9。")
            self._focus("product")
            return False
        return True

    def _summary(self, result: SlipCheck) -> Text:
        """What F9 is about to save, as the confirm panel shows it."""
        kind = self.slip_type
        subtotal, total = self.subtotal(), self.net_total()
        body = Text()
        body.append(f"{kind.label}（{kind.slip_title}）\n\n", style="bold")
        if self.customer is not None:
            body.append(f"客户：{self.customer.code} {self.customer.name}\n")
            settlement = self._input("settlement").value.strip() or self.customer.settlement
            body.append(f"结算：{settlement}\n")
        elif recipient := self._input("recipient").value.strip():
            body.append(f"领用：{recipient}\n")
        day = self.typed_date()
        head = [f"送货：{self._input('delivery').value.strip() or '自提'}"]
        if day is not None and day != clock.today():
            head.append(f"单据日期：{day}")
        for name, label in (("handler", "经手"), ("po_number", "PO号"), ("warehouse", "仓库")):
            if text := self._input(name).value.strip():
                head.append(f"{label}：{text}")
        if self.query_one("#regional-row").display:
            freight = [self._input(n).value.strip() for n in REGIONAL]
            body.append("收货：" + "  ".join(f for f in freight if f) + "\n")
        other_day = day is not None and day != clock.today()
        body.append("    ".join(head) + "\n", style="bold yellow" if other_day else "")
        qty = sum((ln.qty for ln in self.lines), Decimal("0"))
        body.append(f"行数：{len(self.lines)}    总数量：{format_qty(qty)}\n")
        if total != subtotal:
            body.append(f"小计：￥{format_money(subtotal)}    ")
            body.append(f"优惠：￥{format_money(subtotal - total)}（{self.discount}）\n")
        body.append(f"{self._total_label()}：￥{format_money(total)}\n", style="bold")
        body.append(f"大写：{amount_in_capitals(total)}")
        for issue in result.issues:
            if not issue.blocking:
                body.append(f"\n提醒：{issue.message}", style="yellow")
        if result.needs_approval:
            body.append("\n\n需主管审批（Enter 后输入主管编码和 PIN）：", style="bold yellow")
            for issue in result.needs_approval:
                body.append(f"\n• {issue.message}", style="yellow")
        return body

    def _ask_replace(self, issues: list[PolicyIssue]) -> None:
        """改单: a reason, then a supervisor, then the 红冲 and the new slip together."""
        original = self.replacing
        assert original is not None

        def with_reason(reason: str | None) -> None:
            if reason is None:
                self._say("未改单。", error=False)
                return
            need = [PolicyIssue("replace", f"改单：红冲 {original} 并重开（{reason}）"), *issues]

            def approved(creds: tuple[str, str] | None) -> None:
                if creds is None:
                    self._say("未审批，没有改单。")
                    return
                try:
                    boss = users.approve(self.db, *creds)
                except KaidanError as exc:  # wrong code or PIN: ask again
                    self.app.push_screen(ApprovalDialog(need, exc.message), approved)
                    return
                try:
                    printer = self.app.printer_for(self.slip_type)
                    done = lifecycle.replace(
                        self.db,
                        original,
                        self.slip_in(),
                        reason=reason,
                        user=self.user,
                        approver=boss,
                        printer=printer,
                    )
                except KaidanError as exc:  # the new slip or the reversal was refused
                    self._say(f"改单未完成，原单不变：{exc.message}")
                    return
                self._posted(PostResult(done.slip_id, done.number, self.net_total()))
                self._say(
                    f"已改单：{original} 冲红 {done.reversal_number}，新单 {done.number}",
                    error=False,
                )

            self.app.push_screen(ApprovalDialog(need), approved)

        from kaidan_tui.tui.screens.lookup import ReasonDialog

        self.app.push_screen(ReasonDialog(f"改单：替换 {original}"), with_reason)

    def _ask_approval(self, issues: list[PolicyIssue], error: str) -> None:
        def answered(creds: tuple[str, str] | None) -> None:
            if creds is None:
                self._say("未审批，单据未过账（可按 F8 挂单）。")
                return
            try:
                approver = users.approve(self.db, *creds)
            except KaidanError as exc:
                self._ask_approval(issues, exc.message)
                return
            self._post(approver)

        self.app.push_screen(ApprovalDialog(issues, error), answered)

    def _post(self, approver: UserInfo | None) -> None:
        self.posting = True
        order = self.slip_in()
        printer = self.app.printer_for(order.type)
        self._do_post(order, approver, self.held_id, printer, self.autosave_key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="post")
    def _do_post(
        self,
        order: SlipIn,
        approver: UserInfo | None,
        held_id: int | None,
        printer: str | None,
        claim: str,
    ) -> None:
        try:
            result = slips.post(
                self.db,
                order,
                user=self.user,
                approver=approver,
                held_id=held_id,
                printer=printer,
                claim=claim,
            )
        except KaidanError as exc:
            self.app.call_from_thread(self._post_failed, exc)
            return
        except Exception as exc:  # never a traceback: keep the order, say what happened
            self.app.call_from_thread(
                self._post_failed, KaidanError(f"保存失败：{exc}。单据未丢失，请重试。")
            )
            return
        self.app.call_from_thread(self._posted, result)

    def _close_confirm(self) -> None:
        """Close the confirm panel the post was started from (it stays up while saving)."""
        dialog, self._confirm = self._confirm, None
        if dialog is None or dialog not in self.app.screen_stack:
            return
        while self.app.screen is not dialog:  # nothing can open over it while saving,
            self.app.pop_screen()  # but be sure the pop below takes the panel
        dialog.dismiss(True)

    def _replay(self, keys: list[str]) -> None:
        """Keys typed while the slip was being saved (see keep()), applied now as they
        would have been on the emptied screen: nothing the clerk typed is lost."""
        for key in keys:
            if key == "enter":
                self.action_enter()
            else:
                char = None if key == "backspace" else key
                apply_key(self.focused, events.Key(key, char))

    def _post_failed(self, exc: KaidanError) -> None:
        self._close_confirm()  # the order is kept as it was; what was typed is not for it
        self.posting = False
        self._typed = []
        if isinstance(exc, PolicyViolation) and all(i.needs_approval for i in exc.issues):
            self._ask_approval(exc.issues, "")
            return
        if isinstance(exc, Diverged):  # the held order went elsewhere: this one is new
            self._cut_loose()
            self._say(f"{exc.message}屏幕上的单还在：核对后按 F9 另开一张新单，或 Ctrl+N 放弃。")
            return
        self._say(exc.message)

    def _posted(self, result: PostResult) -> None:
        self._close_confirm()
        self.posting = False
        typed, self._typed = self._typed, []
        self.last_posted = result
        self.reset(f"已过账 {result.number}")
        note = "（重复提交，未生成新单）" if result.already_posted else ""
        line = f"已过账 {result.number}  合计 ￥{format_money(result.total_amount)}{note}"
        self._say(line, error=False)
        if typed:  # typed on while the slip was saved: the start of the next one
            self._replay(typed)
        if self._said and self._said != line:  # e.g. no such customer: say both
            self._say(f"{self._said}（{line}）")
        else:
            self._say(line, error=False)
            self._announced = (result.number, line)
        # No toast: the line above says it, and every toast on screen is carried over
        # (re-mounted) at each screen change, the confirm panel included. The print
        # spool's thread starts once the result is on screen, not while it is drawn.
        if not result.already_posted:
            self.call_after_refresh(self.app.wake_spool)
            self.call_after_refresh(self.load_drivers)  # the driver just used is suggested
