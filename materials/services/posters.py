"""Each RM's poster of a template, cached on the storage.

A poster is stored under a name made of everything it depends on: the template's version, a
fingerprint of the RM's card and what the QR holds (the landing URL, or with WeCom configured the
poster's 联系我 code: its config id and image URL). A repeat is one query (the link with the RM's
card) and one read, without Pillow; a changed template or profile misses, renders,
and clears the stale file of that folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from materials import posters
from materials.models import Material, ShareToken
from materials.services.shares import poster_token
from rm_portal.org.models import Staff
from rm_portal.wecom.contact_ways import poster_code_png, poster_contact_way


def poster_cache_name(*, material: Material, user: User, card: posters.Card, url: str) -> tuple[str, str]:
    folder = f"posters/m{material.pk}/u{user.pk}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return folder, f"{folder}/v{material.version}-{card.fingerprint()}-{digest}.png"


def poster_make(*, rm: User, material: Material, url_for: Callable[[str], str]) -> bytes:
    """The RM's poster of this template (PNG), from the cache when nothing changed.

    `url_for(token)` is the absolute landing URL the QR encodes — unless WeCom is configured and
    the poster's 联系我 code can be had, then the QR is that code's image, so an add through it is
    attributed to this RM and this poster. Raises FontMissing when no CJK font is installed."""
    share, staff = _token_and_card(rm=rm, material=material)
    url = url_for(share.token)
    card = posters.Card.of(staff)
    way = poster_contact_way(user=rm, material=material)
    code_png: bytes | None = None
    if way is not None:
        folder, name = poster_cache_name(
            material=material, user=rm, card=card, url=f"wecom:{way.config_id}:{way.qr_code}"
        )
        if (stored := _read(name)) is not None:
            return stored
        code_png = poster_code_png(way=way)
    if code_png is None:
        folder, name = poster_cache_name(material=material, user=rm, card=card, url=url)
        if (stored := _read(name)) is not None:
            return stored
    data = posters.poster_render(layout=material.layout, card=card, url=url, code_png=code_png)
    _clear_stale(folder)
    default_storage.save(name, ContentFile(data))
    return data


def _token_and_card(*, rm: User, material: Material) -> tuple[ShareToken, Staff]:
    """The RM's poster link and card in one query once the link exists (every repeat)."""
    share = (
        ShareToken.objects.select_related("rm__staff__branch")
        .filter(rm=rm, material=material, channel=ShareToken.Channel.POSTER)
        .first()
    )
    if share is not None:
        return share, share.rm.staff
    return poster_token(rm=rm, material=material), Staff.objects.select_related("branch").get(user=rm)


def _read(name: str) -> bytes | None:
    """The stored poster, or None: one open, no separate `exists` round trip (S3: one GET)."""
    try:
        with default_storage.open(name, "rb") as f:
            data: bytes = f.read()
            return data
    except FileNotFoundError:
        return None


def _clear_stale(folder: str) -> None:
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for stale in files:
        default_storage.delete(f"{folder}/{stale}")
