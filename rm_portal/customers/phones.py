"""The phone's last four digits, the key of the picker's tail search (an indexed column, not a LIKE scan)."""

from __future__ import annotations

TAIL = 4


def phone_tail_of(phone: str) -> str:
    """`138-1234-5678` → `5678`; a number with fewer than 4 digits has no tail ("")."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-TAIL:] if len(digits) >= TAIL else ""


def tel_url(phone: str) -> str:
    """`tel:+86…` for a mainland number as the bank stores it (11 digits), else the digits as they are."""
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    if digits.startswith("+"):
        return f"tel:{digits}"
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return f"tel:+86{digits}"
