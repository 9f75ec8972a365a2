"""Who sees which materials, shares, views and overrides, registered in the one policy."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from materials.models import Material, OverrideLog, ShareToken, ViewEvent
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role, Staff


def published_now() -> Q:
    """Published (a `publish_from` in the past) and not yet withdrawn. No `publish_from` = draft."""
    now = timezone.now()
    return Q(publish_from__isnull=False, publish_from__lte=now) & (
        Q(publish_until__isnull=True) | Q(publish_until__gt=now)
    )


def published_for_their_branch(user: User, staff: Staff) -> Q:
    """What staff outside head office read: published now, for every branch or for theirs."""
    audience = Material.branches.through.objects.filter(material_id=OuterRef("pk"))
    for_them = Q(~Exists(audience))
    if staff.branch_id is not None:
        for_them |= Q(Exists(audience.filter(branch_id=staff.branch_id)))
    return published_now() & for_them


# Head office sees every material, drafts and withdrawn ones too; every other role what is
# published now for their branch. Anything else is a 404, the same as a missing id.
register(Material, Policy(everything=frozenset({Role.HEAD_OFFICE}), also=published_for_their_branch))
# An RM their own links, a branch lead the links of the branch's RMs, head office all.
register(ShareToken, Policy(owner="rm", branch="rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE})))
register(
    ViewEvent,
    Policy(owner="token__rm", branch="token__rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE})),
)
# Overrides of the suitability gate are shown to compliance.
register(
    OverrideLog,
    Policy(owner="rm", branch="rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE, Role.COMPLIANCE})),
)
