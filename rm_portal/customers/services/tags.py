"""Tags by rule: checked on save, recomputed set-based (one query per tag, bulk writes)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import (
    CustomerTag,
    IndicatorDefinition,
    IndicatorValues,
    Segment,
    TagChange,
    TagDefinition,
)
from rm_portal.customers.rules import (
    MAX_EXPANDED_NODES,
    Checked,
    FeatureCompiler,
    Node,
    QueryCompiler,
    RuleError,
    TagRef,
    dependencies,
    expanded_sizes,
    leaves,
    resolve_tag,
    validate,
)
from rm_portal.customers.services.features import feature_column, features_refresh
from rm_portal.customers.services.locks import hold

logger = logging.getLogger(__name__)
CHUNK = 5000
# Held by every recompute transaction: two recomputes at once (the nightly one and an import's,
# or two imports') would both read the same holders and both record each removal.
RECOMPUTE_LOCK = "customers.tags_recompute"


@dataclass
class RuleContext:
    indicators: dict[str, str]  # code -> type
    tags: dict[str, str]  # code and name -> code

    @classmethod
    def load(cls) -> RuleContext:
        tags: dict[str, str] = {}
        for code, name in TagDefinition.objects.values_list("code", "name"):
            tags[name] = code
            tags[code] = code  # a code wins over another tag's identical name
        return cls(indicators=dict(IndicatorDefinition.objects.values_list("code", "type")), tags=tags)


def tag_rule_check(*, rule: str, code: str | None = None, context: RuleContext | None = None) -> Checked:
    """Parse and validate a rule; a bad one is `Invalid(fields={"rule": "位置 n: …"})`."""
    context = context or RuleContext.load()
    try:
        checked = validate(rule, indicators=context.indicators, tags=context.tags)
    except RuleError as error:
        raise Invalid(fields={"rule": error.text}) from error
    if code and _reaches(code, checked.tags, context):
        raise Invalid(fields={"rule": _("标签规则不能直接或间接引用自身")})
    if checked.tags or code:  # its own references, or (a change) the tags that refer to it
        _expansion_check(code, checked.tree, context)
    return checked


def _stored_trees(context: RuleContext) -> dict[str, Node]:
    trees: dict[str, Node] = {}
    for code, rule in TagDefinition.objects.values_list("code", "rule"):
        try:
            trees[code] = resolve_tag(validate(rule, **vars(context)).tree, context.tags)
        except RuleError:
            continue  # recompute skips it too
    return trees


def _expansion_check(code: str | None, tree: Node, context: RuleContext) -> None:
    """Refuse a rule whose tag references expand past MAX_EXPANDED_NODES, or that pushes a tag
    referring to it past that; either is named in the refusal."""
    trees = _stored_trees(context)
    before = expanded_sizes(trees)
    key = code or "\0new"  # a new tag's code may not be known yet; no tag can have this one
    trees[key] = resolve_tag(tree, context.tags)
    sizes = expanded_sizes(trees)
    limit = {"max": f"{MAX_EXPANDED_NODES:,}"}
    if sizes[key] > MAX_EXPANDED_NODES:
        refs = [leaf for leaf in leaves(trees[key]) if isinstance(leaf, TagRef)]
        biggest = max(refs, key=lambda leaf: sizes.get(leaf.ref, 1))
        raise Invalid(
            fields={
                "rule": RuleError(
                    biggest.position,
                    _(
                        "规则展开所引用的标签后共 %(size)s 个条件，超过上限 %(max)s"
                        "（tag(%(tag)s) 一处就展开为 %(tag_size)s 个）：请减少对标签的重复引用"
                    )
                    % {
                        "size": f"{sizes[key]:,}",
                        "tag": biggest.ref,
                        "tag_size": f"{sizes.get(biggest.ref, 1):,}",
                        **limit,
                    },
                ).text
            }
        )
    for other, size in sorted(sizes.items()):
        if size > MAX_EXPANDED_NODES and before.get(other, 0) <= MAX_EXPANDED_NODES:
            raise Invalid(
                fields={
                    "rule": _(
                        "这样修改后，引用它的标签 %(tag)s 的规则展开后共 %(size)s 个条件，超过上限 %(max)s"
                    )
                    % {"tag": other, "size": f"{size:,}", **limit}
                }
            )


def _reaches(target: str, start: set[str], context: RuleContext) -> bool:
    rules = dict(TagDefinition.objects.values_list("code", "rule"))
    seen: set[str] = set()
    todo = list(start)
    while todo:
        code = todo.pop()
        if code == target:
            return True
        if code in seen or code not in rules:
            continue
        seen.add(code)
        try:
            todo.extend(validate(rules[code], indicators=context.indicators, tags=context.tags).tags)
        except RuleError:
            continue
    return False


def _recompute_on_commit(codes: list[str] | None) -> None:
    """Queue the recompute once the save is committed: the worker must see the new rule."""
    from rm_portal.customers.tasks import tags_recompute_run

    transaction.on_commit(lambda: tags_recompute_run.delay(codes))


@transaction.atomic
def tag_create(
    *, code: str, name: str, rule: str, category: str = "", active: bool = True, recompute: bool = True
) -> TagDefinition:
    """A new tag; its holders are computed after the commit (`recompute=False`: the caller
    recomputes every tag itself, as the demo seed does)."""
    if TagDefinition.objects.filter(code=code).exists():
        raise Invalid(fields={"code": _("标签代码已存在")})
    if TagDefinition.objects.filter(name=name).exists():
        raise Invalid(fields={"name": _("标签名称已存在")})
    tag_rule_check(rule=rule, code=code)
    tag = TagDefinition.objects.create(code=code, name=name, category=category, rule=rule, active=active)
    if recompute:
        _recompute_on_commit([tag.code])
    return tag


@transaction.atomic
def tag_update(
    *,
    tag: TagDefinition,
    rule: str,
    name: str | None = None,
    category: str | None = None,
    active: bool | None = None,
) -> TagDefinition:
    """Change a tag's rule (or name, category, active); every tag is recomputed after the commit,
    since tags that refer to this one may change too."""
    tag_rule_check(rule=rule, code=tag.code)
    if name is not None and TagDefinition.objects.filter(name=name).exclude(pk=tag.pk).exists():
        raise Invalid(fields={"name": _("标签名称已存在")})
    tag.rule = rule
    if name is not None:
        tag.name = name
    if category is not None:
        tag.category = category
    if active is not None:
        tag.active = active
    tag.save(update_fields=["rule", "name", "category", "active", "updated_at"])
    _recompute_on_commit(None)
    return tag


def tag_matching(*, tag: TagDefinition, context: RuleContext) -> QuerySet[IndicatorValues, Any]:
    """The customer ids whose latest wide record satisfies the tag's rule: one SQL query."""
    checked = validate(tag.rule, indicators=context.indicators, tags=context.tags)
    compiler = QueryCompiler(
        context.indicators, lambda code: CustomerTag.objects.filter(tag__code=code).values("customer_id")
    )
    condition = compiler.compile(resolve_tag(checked.tree, context.tags))
    return (
        IndicatorValues.objects.filter(is_latest=True)
        .order_by()
        .alias(**compiler.aliases)
        .filter(condition)
        .values("customer_id")
    )


def _in_order(tags: list[TagDefinition], context: RuleContext) -> list[TagDefinition]:
    """Tags that others refer to (tag(...)) are recomputed first."""
    by_code = {tag.code: tag for tag in tags}
    ordered: list[TagDefinition] = []
    state: dict[str, int] = {}

    def visit(tag: TagDefinition) -> None:
        if state.get(tag.code) == 2:
            return
        if state.get(tag.code) == 1:
            return  # a cycle (refused on save); break it rather than loop
        state[tag.code] = 1
        try:
            refs = dependencies(resolve_tag(validate(tag.rule, **vars(context)).tree, context.tags))
        except RuleError:
            refs = set()
        for ref in sorted(refs):
            if ref in by_code:
                visit(by_code[ref])
        state[tag.code] = 2
        ordered.append(tag)

    for tag in tags:
        visit(tag)
    return ordered


def tag_recompute(*, tag: TagDefinition, context: RuleContext | None = None) -> dict[str, int]:
    context = context or RuleContext.load()
    try:
        matching = tag_matching(tag=tag, context=context)
    except RuleError as error:
        # An indicator the rule uses was removed after the rule was saved: keep the old tags.
        logger.warning("tag %s not recomputed: %s", tag.code, error.text)
        return {"added": 0, "removed": 0, "error": 1}
    with transaction.atomic():
        hold(RECOMPUTE_LOCK)
        now = timezone.now()
        # One scan of the wide table for the rule, one read of the tag's current holders;
        # the difference is computed here and written in bulk.
        wanted = set(matching.values_list("customer_id", flat=True))
        current = set(CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True))
        added = sorted(wanted - current)
        removed = sorted(current - wanted)
        for start in range(0, len(removed), CHUNK):
            chunk = removed[start : start + CHUNK]
            CustomerTag.objects.filter(tag=tag, customer_id__in=chunk).delete()
        CustomerTag.objects.bulk_create(
            [CustomerTag(tag=tag, customer_id=customer_id, since=now) for customer_id in added],
            batch_size=CHUNK,
        )
        TagChange.objects.bulk_create(
            [TagChange(tag=tag, customer_id=c, change=TagChange.Change.ADDED, at=now) for c in added]
            + [TagChange(tag=tag, customer_id=c, change=TagChange.Change.REMOVED, at=now) for c in removed],
            batch_size=CHUNK,
        )
        TagDefinition.objects.filter(pk=tag.pk).update(recomputed_at=now)
    return {"added": len(added), "removed": len(removed)}


def tags_recompute(
    *,
    codes: list[str] | None = None,
    single_pass: bool | None = None,
    full: bool = False,
    report: dict[str, int] | None = None,
) -> dict[str, dict[str, int]]:
    """Recompute every active tag (or the named ones), dependencies first.

    By default every tag is decided in one pass over the narrow feature table
    (`_recompute_single_pass`), incrementally: a tag whose compiled rule is unchanged is evaluated
    only for the customers whose features changed since its last recompute; a new or changed rule
    (or `full=True`) for everyone. `single_pass=False` runs one query per tag over the wide
    records (`tag_recompute`), the plain ORM form; tests check both agree. `report`, when given,
    is filled with what the single pass read: `stale` (customers re-read from the wide table),
    `scanned` (feature rows evaluated), `everyone` / `incremental` (tags of either kind)."""
    context = RuleContext.load()
    tags = list(TagDefinition.objects.filter(active=True).order_by("code"))
    if codes is not None:
        tags = [tag for tag in tags if tag.code in set(codes)]
    ordered = _in_order(tags, context)
    if single_pass is None:
        single_pass = connection.vendor in ("postgresql", "sqlite")
    results: dict[str, dict[str, int]] = {}
    if single_pass and ordered:
        try:
            results, ordered = _recompute_single_pass(ordered, context, full=full, report=report)
        except DatabaseError:
            # A value the database cannot read as its indicator's type (data written around the
            # import's checks): fall back to one query per tag, so only the affected tags wait.
            logger.exception("one-pass tag recompute failed; recomputing tag by tag")
            results = {}
    # Tag by tag: every tag when there is no single pass, else the ones it left over (their
    # references expand too far to inline); a reference is then a subquery on its holders.
    for tag in ordered:
        try:
            with transaction.atomic():
                results[tag.code] = tag_recompute(tag=tag, context=context)
                # Holders now come from the wide records: the next single pass starts afresh.
                TagDefinition.objects.filter(pk=tag.pk).update(rule_digest="")
        except DatabaseError:
            logger.exception("tag %s not recomputed", tag.code)
            results[tag.code] = {"added": 0, "removed": 0, "error": 1}
    return results


@dataclass
class _Compiled:
    tag: TagDefinition
    sql: str
    params: list[Any]
    digest: str
    codes: set[str]


def _recompute_single_pass(
    tags: list[TagDefinition],
    context: RuleContext,
    *,
    full: bool = False,
    report: dict[str, int] | None = None,
) -> tuple[dict[str, dict[str, int]], list[TagDefinition]]:
    """Every tag whose expanded rule is small enough, in one pass over the feature table; returns
    their results and the tags left for one query each (in the same order: they may refer to
    each other). The difference with the current holders is two EXCEPTs into temporary tables,
    hash-planned whatever the size of either side (a NOT EXISTS anti-join was planned as a nested
    loop over the table being filled, quadratic on a first fill)."""
    trees: dict[str, Node] = {}
    for tag in TagDefinition.objects.all():
        try:
            trees[tag.code] = resolve_tag(validate(tag.rule, **vars(context)).tree, context.tags)
        except RuleError as error:
            logger.warning("tag %s not recomputed: %s", tag.code, error.text)
    tags = [tag for tag in tags if tag.code in trees]
    sizes = expanded_sizes(trees)
    compiler = FeatureCompiler(context.indicators, trees.get, feature_column)
    compiled: list[_Compiled] = []
    left: list[TagDefinition] = []
    for tag in tags:
        # A rule stored before the expansion cap, or grown past the compiler's depth: never
        # inlined (the SQL would be exponential), recomputed with subqueries instead.
        if sizes.get(tag.code, 1) > MAX_EXPANDED_NODES:
            left.append(tag)
            continue
        params: list[Any] = []
        try:
            sql = compiler.compile(trees[tag.code], params)
        except RuleError:
            left.append(tag)
            continue
        used = {code for code, name in compiler.columns.items() if f"x.{name}" in sql}
        digest = hashlib.sha256(json.dumps([sql, params], default=str).encode()).hexdigest()
        compiled.append(_Compiled(tag, sql, params, digest, used))
    tags = [tag for tag in tags if tag not in left]
    results: dict[str, dict[str, int]] = {tag.code: {"added": 0, "removed": 0} for tag in tags}
    if not tags:
        return results, left
    refresh = features_refresh(
        {code: context.indicators[code] for code in compiler.columns}, defined=context.indicators
    )
    with transaction.atomic(), connection.cursor() as cursor:
        hold(RECOMPUTE_LOCK)
        now = timezone.now()
        # Raw SQL gets the value as the ORM would write it (SQLite stores text, without the offset).
        stamp = connection.ops.adapt_datetimefield_value(now)
        everyone = [c for c in compiled if full or _needs_everyone(c, refresh.added)]
        changed = [c for c in compiled if c not in everyone]
        since = min((c.tag.recomputed_at for c in changed if c.tag.recomputed_at), default=None)
        if report is not None:
            report.update(stale=refresh.stale, everyone=len(everyone), incremental=len(changed))
            report["scanned"] = _scanned(cursor, bool(everyone), since if changed else None)
        cursor.execute("DROP TABLE IF EXISTS rm_tag_eval")
        cursor.execute("CREATE TEMP TABLE rm_tag_eval (customer_id bigint, tag_id bigint)")
        _evaluate(cursor, everyone, None)
        _evaluate(cursor, changed, since)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE rm_tag_eval")
        # The holders in question: every holder of a tag evaluated for everyone, and the changed
        # customers' holdings of the others.
        scope, scope_params = [], []
        if everyone:
            scope.append(
                "SELECT customer_id, tag_id FROM customers_customertag "  # noqa: S608
                f"WHERE tag_id IN ({_ids(everyone)})"
            )
        if changed:
            scope.append(
                "SELECT c.customer_id, c.tag_id FROM customers_customertag c "  # noqa: S608
                "JOIN customers_features x ON x.customer_id = c.customer_id "
                f"WHERE c.tag_id IN ({_ids(changed)}) AND x.changed_at > %s"
            )
            scope_params.append(connection.ops.adapt_datetimefield_value(since))
        current = f"SELECT customer_id, tag_id FROM ({' UNION ALL '.join(scope)}) held"  # noqa: S608
        evaluated = "SELECT customer_id, tag_id FROM rm_tag_eval"
        for table, sql, params in (
            ("rm_tag_added", f"{evaluated} EXCEPT {current}", scope_params),
            ("rm_tag_removed", f"{current} EXCEPT {evaluated}", scope_params),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TEMP TABLE {table} AS {sql}", params)
        cursor.execute(
            "INSERT INTO customers_tagchange (customer_id, tag_id, change, at) "
            "SELECT customer_id, tag_id, 'removed', %s FROM rm_tag_removed",
            [stamp],
        )
        cursor.execute(
            "DELETE FROM customers_customertag WHERE (tag_id, customer_id) IN "
            "(SELECT tag_id, customer_id FROM rm_tag_removed)"
        )
        cursor.execute(
            "INSERT INTO customers_tagchange (customer_id, tag_id, change, at) "
            "SELECT customer_id, tag_id, 'added', %s FROM rm_tag_added",
            [stamp],
        )
        cursor.execute(
            "INSERT INTO customers_customertag (customer_id, tag_id, since) "
            "SELECT customer_id, tag_id, %s FROM rm_tag_added",
            [stamp],
        )
        cursor.execute(
            "SELECT tag_id, 'added', count(*) FROM rm_tag_added GROUP BY tag_id UNION ALL "
            "SELECT tag_id, 'removed', count(*) FROM rm_tag_removed GROUP BY tag_id"
        )
        codes = {tag.pk: tag.code for tag in tags}
        moved = 0
        for tag_id, change, count in cursor.fetchall():
            results[codes[tag_id]][change] = count
            moved += count
        if moved >= ANALYZE_AFTER and connection.vendor == "postgresql":
            cursor.execute("ANALYZE customers_customertag")
        for item in compiled:
            item.tag.recomputed_at, item.tag.rule_digest = now, item.digest
        TagDefinition.objects.bulk_update([c.tag for c in compiled], ["recomputed_at", "rule_digest"])
    return results, left


# After this many tag rows added or removed, the planner's statistics are refreshed.
ANALYZE_AFTER = 10_000


def _needs_everyone(item: _Compiled, added: set[str]) -> bool:
    """A new or changed rule (its digest), a never-computed tag, or a column just (re)built."""
    return item.tag.rule_digest != item.digest or item.tag.recomputed_at is None or bool(item.codes & added)


def _scanned(cursor: CursorWrapper, everyone: bool, since: datetime | None) -> int:
    """The feature rows the evaluation reads: all of them when a tag is evaluated for everyone."""
    if everyone:
        cursor.execute("SELECT count(*) FROM customers_features WHERE present")
    elif since is not None:
        stamp = connection.ops.adapt_datetimefield_value(since)
        cursor.execute("SELECT count(*) FROM customers_features WHERE present AND changed_at > %s", [stamp])
    else:
        return 0
    return int(cursor.fetchone()[0])


def _ids(items: list[_Compiled]) -> str:
    return ", ".join(str(int(item.tag.pk)) for item in items)


def _evaluate(cursor: CursorWrapper, items: list[_Compiled], since: datetime | None) -> None:
    """Insert (customer, tag) for every customer satisfying each rule into rm_tag_eval: for every
    customer with `since=None`, else only those whose features changed after `since`. The SQL
    is built from constants, integer tag ids, quoted column names and the compiler's
    placeholders; every value from a rule is a bound parameter (hence S608)."""
    if not items:
        return
    where = "x.present" + (" AND x.changed_at > %s" if since is not None else "")
    where_params: list[Any] = [connection.ops.adapt_datetimefield_value(since)] if since is not None else []
    if connection.vendor == "postgresql":
        # One scan for all the tags: each row is read once, every rule a CASE over its columns.
        cases = ", ".join(f"CASE WHEN {c.sql} THEN {int(c.tag.pk)} END" for c in items)
        cursor.execute(
            "INSERT INTO rm_tag_eval (customer_id, tag_id) SELECT x.customer_id, t.tag_id "  # noqa: S608
            f"FROM customers_features x CROSS JOIN LATERAL unnest(ARRAY[{cases}]::bigint[]) AS t(tag_id) "
            f"WHERE {where} AND t.tag_id IS NOT NULL",
            [value for c in items for value in c.params] + where_params,
        )
        return
    for c in items:
        cursor.execute(
            f"INSERT INTO rm_tag_eval (customer_id, tag_id) SELECT x.customer_id, {int(c.tag.pk)} "  # noqa: S608
            f"FROM customers_features x WHERE {where} AND {c.sql}",
            where_params + c.params,
        )


def _segment_tags(tags: list[str]) -> list[TagDefinition]:
    found = {tag.code: tag for tag in TagDefinition.objects.filter(code__in=tags)}
    missing = [code for code in tags if code not in found]
    if missing or not tags:
        raise Invalid(fields={"tags": _("未知的标签：%(codes)s") % {"codes": ", ".join(missing) or "-"}})
    return list(found.values())


@transaction.atomic
def segment_create(
    *, code: str, name: str, tags: list[str], match: str = Segment.Match.ALL, description: str = ""
) -> Segment:
    if Segment.objects.filter(code=code).exists():
        raise Invalid(fields={"code": _("客群代码已存在")})
    found = _segment_tags(tags)
    segment = Segment.objects.create(code=code, name=name, match=match, description=description)
    segment.tags.set(found)
    return segment


@transaction.atomic
def segment_update(
    *, segment: Segment, name: str, tags: list[str], match: str, description: str = ""
) -> Segment:
    found = _segment_tags(tags)
    segment.name, segment.match, segment.description = name, match, description
    segment.save(update_fields=["name", "match", "description"])
    segment.tags.set(found)
    return segment
