"""The runner: a separate interpreter that executes programs with real system calls.

It imports only the standard library and `app.kernel`, so a fork server can preload it cheaply
and every process it starts has a clean fd table.
"""
