"""The built-in detectors' settings: on/off, severity, the bank's URL domains (docs/compliance.md)."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from compliance.matching import DETECTOR_KINDS, Detectors, Rule
from compliance.models import DetectorSetting, Severity
from compliance.selectors import detector_rows
from compliance.services.history import change_record, detector_state
from rm_portal.core.errors import Invalid

MAX_DOMAINS = 50
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def detector_config() -> Detectors:
    """What the matcher runs with: the enabled kinds with their severities, the allowed domains."""
    rows = detector_rows(list(DetectorSetting.objects.all()))
    domains: tuple[str, ...] = ()
    for row in rows:
        if row.kind == "url":
            domains = tuple(row.allow_domains or ())
    return Detectors(tuple(Rule(r.kind, r.severity) for r in rows if r.enabled), allow_domains=domains)


def _clean_domains(domains: list[str]) -> list[str]:
    cleaned = list(
        dict.fromkeys(d.strip().lower().removeprefix("*.").rstrip(".") for d in domains if d.strip())
    )
    if len(cleaned) > MAX_DOMAINS:
        raise Invalid(fields={"allow_domains": _("最多 %(n)d 个域名") % {"n": MAX_DOMAINS}})
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        raise Invalid(fields={"allow_domains": _("不是有效的域名：%(d)s") % {"d": "、".join(bad[:5])}})
    return cleaned


@transaction.atomic
def detector_update(
    *,
    kind: str,
    by: User | None = None,
    enabled: bool | None = None,
    severity: str | None = None,
    allow_domains: list[str] | None = None,
) -> DetectorSetting:
    """Switch a detector on or off, set its severity or (url) the bank's domains."""
    from compliance.services.lexicon import bump_version

    if kind not in DETECTOR_KINDS:
        raise Invalid(fields={"kind": _("未知的检测类型")})
    if severity is not None and severity not in Severity.values:
        raise Invalid(fields={"severity": _("未知的级别")})
    if allow_domains is not None and kind != "url":
        raise Invalid(fields={"allow_domains": _("只有外部链接检测有允许的域名")})
    domains = _clean_domains(allow_domains) if allow_domains is not None else None
    row = DetectorSetting.objects.select_for_update().filter(kind=kind).first()
    if row is None:
        row = detector_rows([])[list(DETECTOR_KINDS).index(kind)]
    before = detector_state(row)
    if enabled is not None:
        row.enabled = enabled
    if severity is not None:
        row.severity = severity
    if domains is not None:
        row.allow_domains = domains
    row.updated_by = by
    row.save()
    change_record(kind="detector", key=kind, before=before, after=detector_state(row), by=by)
    bump_version()
    return row
