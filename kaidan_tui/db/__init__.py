"""The store: engine factory, column types, tables, queries and migrations."""
