"""The commands of `readiness`, one module per domain; `cli.py` gathers them under one group.

Each command parses its arguments, calls the library and prints; the options that mean the
same thing everywhere come from `options.py`.
"""
