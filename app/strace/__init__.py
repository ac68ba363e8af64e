"""Tracing unmodified programs with strace, into the same event contract as the runner."""
