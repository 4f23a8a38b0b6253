"""Column letters ↔ numbers (1 = A), the one conversion the package uses.

Ours rather than openpyxl's: the importer reads with calamine and checks limits with the standard
library, and loads openpyxl not at all.
"""

from __future__ import annotations


def column_number(letters: str | bytes) -> int:
    """`"AA"` (or `b"AA"`, as the limit check finds it in the raw XML) → 27."""
    text = letters.decode("ascii") if isinstance(letters, bytes) else letters
    number = 0
    for char in text.upper():
        number = number * 26 + (ord(char) - 64)
    return number


def column_letters(number: int) -> str:
    """27 → `"AA"`."""
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
