"""Pure business rules of kaidan.

Nothing in this package may import textual, sqlalchemy, sqlmodel or escpos: the rules
must run (and be tested) without a screen, a database or a printer. A test enforces it.
"""
