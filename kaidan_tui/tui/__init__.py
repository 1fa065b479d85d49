"""The Textual app. Screens call services; no rule is written here."""

import os

# Textual repaints on a fixed grid of 1/TEXTUAL_FPS seconds, and after a repaint that ran
# past a grid point its timer skips to the point after the next one: at the default 60,
# a keystroke typed just after a slow repaint (the match list) waited 17–33 ms before it
# was drawn. Repaints still happen only once the app is idle, so a finer grid costs
# nothing while nothing changes; it only stops the wait. (Read once, when Textual is
# first imported: the ``kaidan`` command imports this package first. Set the variable
# to override.)
os.environ.setdefault("TEXTUAL_FPS", "1000")
