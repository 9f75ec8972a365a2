"""axe-core on every page of every role at 375 px, and the 44 px touch targets.

axe comes from axe-playwright-python (pinned in pyproject's dev extra), which bundles axe.min.js;
it is injected through Playwright's evaluate (the DevTools protocol), so the page's CSP, which
forbids eval, is not loosened for it. See docs/architecture.md, "Accessibility"."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from tests.browser.conftest import login
from tests.browser.pages import NOT_PAGES, ROLES, Page, pages_for, public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-123"
BLOCKING = {"serious", "critical"}
AXE = Axe()

# Every visible control a thumb presses, measured at 375 px. Links inside running text are exempt
# (WCAG 2.5.8's inline exception): an <a> whose parent is a paragraph or list item of prose,
# marked by the template with class "inline"; see docs/architecture.md.
TARGETS_JS = """
() => {
  const out = [];
  const sel = 'a[href], button, input[type=checkbox], input[type=radio], select, summary';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.inline')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    let target = box;
    // A checkbox or radio inside its <label> is pressed through the label: the label is the target.
    const label = el.closest('label');
    if (label && (el.type === 'checkbox' || el.type === 'radio')) target = label.getBoundingClientRect();
    if (target.width < 43.5 || target.height < 43.5) {
      const name = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30);
      const size = `${Math.round(target.width)}×${Math.round(target.height)}`;
      out.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return out;
}
"""


def _seed() -> None:
    call_command("seed_demo", "--password", PASSWORD, "--small")


def _visit(phone, page: Page) -> None:
    response = phone.goto(f"{phone.base}{page.path}")
    assert response is not None
    assert response.status == page.status, f"{page.name} {page.path}: HTTP {response.status}"


def _axe_problems(phone, page: Page) -> list[str]:
    results = AXE.run(phone)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        problems.append(f"{page.name} {page.path}: {violation['id']} ({violation['impact']}) {nodes}")
    return problems


@pytest.mark.parametrize("role", [*ROLES, "public"])
def test_axe_finds_no_serious_or_critical_violation_on_any_page(phone, role):
    _seed()
    pages = public_pages() if role == "public" else pages_for(role)
    if role != "public":
        login(phone, ROLES[role], PASSWORD)
        phone.wait_for_url(f"{phone.base}/")
    problems: list[str] = []
    for page in pages:
        _visit(phone, page)
        problems += _axe_problems(phone, page)
        phone.shot(f"a11y-{role}-{page.name}")
        if page.name in ("403", "404"):
            assert phone.locator("nav.tabbar").is_visible(), f"{page.name}: the tab bar is gone"
    assert not problems, "axe found:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", [*ROLES, "public"])
def test_every_control_is_a_44px_touch_target(phone, role):
    _seed()
    pages = public_pages() if role == "public" else pages_for(role)
    if role != "public":
        login(phone, ROLES[role], PASSWORD)
        phone.wait_for_url(f"{phone.base}/")
    small: list[str] = []
    for page in pages:
        _visit(phone, page)
        small += [f"{page.name}: {target}" for target in phone.evaluate(TARGETS_JS)]
    assert not small, "smaller than 44×44 CSS px:\n" + "\n".join(small)


def _page_names(patterns, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            route = str(pattern.pattern)
            if route.startswith(("admin/", "api/")):
                continue
            names |= _page_names(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_page_url_is_walked_or_exempted_with_a_reason(db):
    _seed()
    walked = {p.path.split("?")[0] for role in ROLES for p in pages_for(role)} | {
        p.path for p in public_pages()
    }
    from django.urls import resolve

    walked_names = {resolve(path).url_name for path in walked if path != "/no-such-page/"}
    missing = (
        _page_names(get_resolver().url_patterns) - walked_names - set(NOT_PAGES) - {"schema", "api-docs"}
    )
    assert not missing, f"pages the accessibility walk does not visit: {sorted(missing)}"


def test_the_500_page_passes_axe_and_keeps_the_tab_bar(phone, settings, rm01a):
    settings.ROOT_URLCONF = "tests.web.urls_failing_page"
    response = phone.goto(f"{phone.base}/test/failing-page/")
    assert response is not None and response.status == 500
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert phone.locator("nav.tabbar a").count() == 2
    assert _axe_problems(phone, Page("500", "/test/failing-page/", 500)) == []
    assert phone.evaluate(TARGETS_JS) == []
    phone.shot("a11y-500")
