"""Printing: a printer-independent slip layout, ESC/P and ESC/POS encoders, connections.

Nothing here touches the database: :mod:`kaidan_tui.services.spool` reads slips and
hands :class:`~kaidan_tui.printing.layout.SlipDoc` values to this package.
"""
