"""``python -m kaidan_tui.cli``."""

from kaidan_tui.cli import main

main()
