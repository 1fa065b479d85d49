"""Queries that run inside the caller's transaction: they take a session, never open one.

Services own the transactions (``db.read()`` / ``db.write()``); what several of them ask
of the store inside one lives here, below them all, so no service imports another only
for a query.
"""
