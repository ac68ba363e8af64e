"""Reading the truth: /proc fd tables, blocking, pipe bytes, and the pipe ring model."""
