"""The Textual app. Screens call services; no rule is written here."""
