"""开单: the order-entry screen. A clerk types a whole slip without the mouse.

Customer → Enter → product → Enter → quantity → Enter → price (policy price prefilled)
→ Enter → next line. Enter on an empty product cell ends the lines. F9 confirms and
posts, F8 holds, F7 recalls a held order, F6 changes the slip type.

Every rule is in the services; this screen only collects input, shows what the services
say, and never loses what was typed.

The screen is built in layers, one module each, every one a ``Screen`` subclass of the one
before it (so each sees what it builds on, and nothing above it):

- ``line``: a line of the slip and ``split_code_qty`` (plain values, no screen);
- ``base``: the order on screen (its state), the field helpers and the status line;
- ``totals``: the lines table, the totals bar, the issues, the live check, Ctrl+D discount;
- ``popup``: the match list under the customer and product fields;
- ``customer``: picking the customer, its info and credit banner;
- ``editor``: the line editor (product, quantity, price), Enter and Esc;
- ``parking``: slip type, new order, hold, recall, load;
- ``posting``: F10 preview, F9 confirm, approve and post, keys kept while saving;
- ``screen``: :class:`OrderEntryScreen` itself, its keys and its layout.
"""

from kaidan_tui.tui.screens.order_entry.base import SETTLEMENTS, TYPES
from kaidan_tui.tui.screens.order_entry.line import Line, split_code_qty
from kaidan_tui.tui.screens.order_entry.screen import OrderEntryScreen

__all__ = ["SETTLEMENTS", "TYPES", "Line", "OrderEntryScreen", "split_code_qty"]
