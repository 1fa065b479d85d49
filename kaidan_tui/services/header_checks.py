"""What a slip's header needs before it can be posted: a supervisor's signature for a
back-dated slip or a kind that needs one (D6/D7), the fields a channel's slip must carry
(D8, domain/channels.py), and room on the customer's credit. Part of
:func:`kaidan_tui.services.prepare.prepare`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session

from kaidan_tui.db.queries import accounts
from kaidan_tui.domain.channels import REQUIRED, missing_message
from kaidan_tui.domain.enums import CreditPolicy
from kaidan_tui.domain.errors import PolicyIssue
from kaidan_tui.domain.pricing import CreditFacts
from kaidan_tui.domain.pricing import check_credit as credit_issues
from kaidan_tui.services.slip_input import SlipIn, typed_or_record

if TYPE_CHECKING:
    from kaidan_tui.services.prepare import Header


def check_signatures(head: Header) -> list[PolicyIssue]:
    """A back-dated slip (补单) and a kind a supervisor signs (D6/D7)."""
    issues: list[PolicyIssue] = []
    if head.business_date < head.today:
        issues.append(
            PolicyIssue(
                "backdated",
                f"补单：单据日期 {head.business_date} 早于今天，需主管审批",
                field="business_date",
            )
        )
    if head.kind.supervisor:
        issues.append(
            PolicyIssue(
                "supervisor_sign",
                f"{head.kind.label}需主管签字确认（D6/D7）",
                field="type",
            )
        )
    return issues


def check_channel(head: Header, slip_in: SlipIn) -> list[PolicyIssue]:
    """D8: what a slip going out to a 地州 or 商超 customer must carry, named with where
    to fill it. Not approvable (the slip cannot travel without it); it can be held."""
    c = head.customer
    if c is None or head.kind.stock_sign >= 0 or not head.kind.entered:
        return []
    return [
        PolicyIssue(
            "channel_field",
            missing_message(c.channel, need),
            field=need.field,
            needs_approval=False,
        )
        for need in REQUIRED.get(c.channel, ())
        if not typed_or_record(slip_in, c, need.field)
    ]


def check_credit(session: Session, head: Header, total: Decimal) -> list[PolicyIssue]:
    """Only a credit sale can exceed a credit limit: a cash sale skips the balance query."""
    c = head.customer
    if not (
        head.kind.money_sign > 0
        and c is not None
        and c.id is not None
        and head.settlement.is_credit
        and total > 0
    ):
        return []
    facts = CreditFacts(
        limit=c.credit_limit,
        balance=accounts.balance(session, c.id),
        policy=CreditPolicy(c.credit_policy),
    )
    return credit_issues(head.settlement, total, facts)
