"""Identity masking for every role (the full identity only through the logged reveal)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; anything shorter keeps at most its last 2 characters."""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if not phone:
        return ""
    return "*" * max(len(phone) - 2, 1) + phone[-2:] if len(phone) > 2 else "*" * len(phone)


def mask_id_number(id_number: str) -> str:
    """Keeps the first 6 (region) and the last 4: 110101********1234."""
    if len(id_number) > 10:
        return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"
    return "*" * len(id_number)
