"""Type-ahead: keystrokes land in the field that has focus *at the moment they were
typed*, however fast a clerk or a barcode scanner types.

Textual delivers a key to the focused widget through that widget's own message queue,
while Enter (a screen binding) is handled by the app. A fast typist's next characters can
then overtake the Enter and land in the old field. Here the app applies editing keys to
the focused ``Input`` itself, in key order, and screens move focus synchronously, so the
order of keys is the only order that matters. Nothing is dropped or repeated.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection


def apply_key(focused: Widget | None, event: events.Key) -> bool:
    """Apply an editing key to the focused Input now; True when it was consumed."""
    if not isinstance(focused, Input) or focused.disabled:
        return False
    if event.is_printable and event.character:
        selection = focused.selection
        if selection.is_empty:
            focused.insert_text_at_cursor(event.character)
        else:
            focused.replace(event.character, *selection)
        return True
    if event.key == "backspace":
        focused.action_delete_left()
        return True
    return False


class Field(Input):
    """An Input whose select-all-on-focus happens synchronously (see TypeAheadScreen),
    and whose keystrokes repaint the field only."""

    # Input sets its virtual width to the text's width on every keystroke, and
    # ``Widget.virtual_size`` then lays out the whole screen again (about a third of a
    # keystroke's cost on the order screen). A field's box never depends on its text
    # (Input asks for a layout itself when its size is ``auto``), and the horizontal
    # scroll reads the value directly, so a repaint is enough.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class TypeAheadFocus:
    """Screen mixin: a focus change selects the field's whole value at once, so the next
    key replaces it (Input's own select-on-focus runs later, after type-ahead).

    A focus change also no longer repaints the whole screen. ``Screen.focused`` is a
    plain reactive, so each Enter that moved focus redrew every widget (5-6 ms and 12 kB
    to the terminal on the order screen); the two widgets whose look depends on focus
    repaint themselves on Focus and Blur."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def set_focus(
        self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False
    ) -> None:
        Screen.set_focus(self, widget, scroll_visible, from_app_focus)  # type: ignore[arg-type]
        if isinstance(widget, Input) and not from_app_focus:
            widget.selection = Selection(0, len(widget.value))


class KeepsTypeAhead:
    """Screen mixin for a screen that keeps keys while work runs (the order screen and
    its confirm panel while a slip is saved): the app offers it every key first, in the
    order typed, and what it keeps is replayed later where it belongs."""

    def keep(self, event: events.Key) -> bool:
        """True when the key was kept (and must go nowhere else)."""
        return False
