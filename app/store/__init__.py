"""Where finished runs are kept: a store behind one protocol (base.py), SQLite by default."""
