"""The registry of callback event handlers.

    @handles("change_external_contact", "add_external_contact")
    def contact_added(event: CallbackEvent) -> None: ...

A handler gets the stored event (its `fields` are the decrypted XML's elements) and must be safe to
run twice — its idempotency comes from the data. `handles("change_external_contact")` with no
change type takes every change type that has no handler of its own. An event with no handler is
recorded as ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rm_portal.wecom.models import CallbackEvent

Handler = Callable[[CallbackEvent], None]

_HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(event: str, change_type: str = "") -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        key = (event, change_type)
        if key in _HANDLERS and _HANDLERS[key] is not handler:
            raise ValueError(f"{event}/{change_type or '*'} already has a handler: {_HANDLERS[key]!r}")
        _HANDLERS[key] = handler
        return handler

    return register


def handler_for(event: str, change_type: str) -> Handler | None:
    return _HANDLERS.get((event, change_type)) or _HANDLERS.get((event, ""))


def unregister(event: str, change_type: str = "") -> None:
    """For tests that register a handler of their own."""
    _HANDLERS.pop((event, change_type), None)


@contextmanager
def override(event: str, change_type: str, handler: Handler) -> Iterator[Handler]:
    """For tests: `handler` takes the event's place for the block, the registered one comes back."""
    key = (event, change_type)
    previous = _HANDLERS.pop(key, None)
    _HANDLERS[key] = handler
    try:
        yield handler
    finally:
        _HANDLERS.pop(key, None)
        if previous is not None:
            _HANDLERS[key] = previous
