"""Every string a person can see has English: a new string without a translation fails here, not in a demo."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUES = sorted(
    p for p in Path(settings.BASE_DIR).glob("**/locale/en/LC_MESSAGES/*.po") if ".venv" not in p.parts
)


def entries(po: Path) -> list[tuple[str, dict[str, str], bool]]:
    """(msgid, {msgstr key: text}, fuzzy) per live entry; obsolete (#~) entries and the header left out."""
    found = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key, fuzzy = "", False
        for line in block.splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                key, text = line.split(" ", 1)
                fields[key] = ast.literal_eval(text)
        if fields.get("msgid"):
            found.append(
                (fields["msgid"], {k: v for k, v in fields.items() if k.startswith("msgstr")}, fuzzy)
            )
    return found


def test_the_catalogues_are_found():
    assert Path(settings.BASE_DIR, "locale/en/LC_MESSAGES/django.po") in CATALOGUES
    assert len(CATALOGUES) >= 5


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_every_string_has_checked_english(po):
    missing = [msgid for msgid, strs, fuzzy in entries(po) if fuzzy or not all(strs.values())]
    assert not missing, f"{len(missing)} strings without checked English (run make messages): {missing[:10]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_the_compiled_catalogue_says_what_the_po_says(po):
    """The .mo is what Django reads: a .po edited but not compiled would still show Chinese."""
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    def says(msgid: str, strs: dict[str, str]) -> bool:
        if "msgstr" in strs:
            return compiled.gettext(msgid) == strs["msgstr"]
        # English has two forms: one for 1, the other for every other count.
        return [compiled.ngettext(msgid, msgid, n) for n in (1, 2)] == [strs["msgstr[0]"], strs["msgstr[1]"]]

    stale = [msgid for msgid, strs, _ in entries(po) if not says(msgid, strs)]
    assert not stale, f"compile the messages again: {stale[:10]}"


def test_the_parser_sees_an_empty_and_a_fuzzy_entry(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: a.py:1\nmsgid "好"\nmsgstr "Good"\n\n'
        '#, fuzzy\nmsgid "坏"\nmsgstr "Bad"\n\n'
        'msgid ""\n"很长"\nmsgstr ""\n\n'
        '#~ msgid "旧"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    assert entries(po) == [
        ("好", {"msgstr": "Good"}, False),
        ("坏", {"msgstr": "Bad"}, True),
        ("很长", {"msgstr": ""}, False),
    ]
