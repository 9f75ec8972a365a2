"""Reading WeCom's callback XML: the outer envelope and the decrypted event.

The XML comes from outside, so it is parsed with defusedxml and no DTD is accepted (no entity
expansion, no external entities) — never with the standard library's parser directly.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element  # the type only; parsing is defusedxml's

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

MAX_DEPTH = 8


class MalformedXml(ValueError):
    pass


def _parse(data: bytes | str) -> Element:
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise MalformedXml(str(error) or type(error).__name__) from error
    if root.tag != "xml":
        raise MalformedXml(f"the root element is <{root.tag}>, not <xml>")
    return root


def encrypted_of(body: bytes) -> str:
    """The envelope's `<Encrypt>` text: what the signature covers."""
    element = _parse(body).find("Encrypt")
    text = (element.text or "").strip() if element is not None else ""
    if not text:
        raise MalformedXml("the envelope has no <Encrypt>")
    return text


def _value(element: Element, depth: int) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if depth >= MAX_DEPTH:
        raise MalformedXml("the event is nested too deeply")
    value: dict[str, Any] = {}
    for child in children:
        item = _value(child, depth + 1)
        if child.tag in value:  # a repeated element becomes a list
            previous = value[child.tag]
            value[child.tag] = [*previous, item] if isinstance(previous, list) else [previous, item]
        else:
            value[child.tag] = item
    return value


def event_fields(plain: bytes) -> dict[str, Any]:
    """The decrypted event as {element: text} (nested elements as dicts, repeats as lists)."""
    root = _parse(plain)
    fields = _value(root, 0)
    if not isinstance(fields, dict) or not fields:
        raise MalformedXml("the event is empty")
    return fields
