"""Typed errors with a message a clerk can act on (what, where, what to do)."""

from __future__ import annotations


class KaidanError(Exception):
    """Base of every error that may reach a clerk.

    ``message`` is Chinese and complete: what was wrong, where, and what to do.
    ``field`` names the input field it belongs to (for the TUI to put it in place).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InputError(KaidanError):
    """Bad input: a number that does not parse, an unknown code, a missing field."""


class NotFound(KaidanError):
    """A code or number that does not exist."""


class PermissionDenied(KaidanError):
    """The user may not do this (wrong PIN, not a supervisor, locked)."""


class StateError(KaidanError):
    """The action does not fit the record's state (posting a void slip, …)."""


class Diverged(StateError):
    """The order on screen is no longer the one in the store: the held order it came
    from is on another screen, or was posted (``number``) with other contents. The
    order on screen is kept; posting it again makes a slip of its own."""

    def __init__(self, message: str, *, number: str | None = None) -> None:
        super().__init__(message)
        self.number = number


class PolicyViolation(KaidanError):
    """Price, credit or stock policy is broken and no approval was given.

    ``issues`` lists every problem found, so a clerk sees them all at once.
    """

    def __init__(self, issues: list[PolicyIssue]) -> None:
        text = "；".join(i.message for i in issues)
        super().__init__(f"未通过政策检查：{text}", field=issues[0].field if issues else None)
        self.issues = issues


class PolicyIssue:
    """One problem found by a policy check.

    ``kind``: price_below_floor, price_off_policy, credit_exceeded, stock_short …
    ``blocking``: True when posting must stop without an approval.
    ``needs_approval``: True when a supervisor's approval lets it through.
    """

    __slots__ = ("blocking", "field", "kind", "line_no", "message", "needs_approval")

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        line_no: int | None = None,
        field: str | None = None,
        blocking: bool = True,
        needs_approval: bool = True,
    ) -> None:
        self.kind = kind
        self.message = message
        self.line_no = line_no
        self.field = field
        self.blocking = blocking
        self.needs_approval = needs_approval

    def __repr__(self) -> str:
        return f"PolicyIssue({self.kind!r}, line={self.line_no}, {self.message!r})"
