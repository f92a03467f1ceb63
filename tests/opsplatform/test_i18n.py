"""The French catalogue ships complete and compiled: no untranslated or fuzzy entry."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES"


def test_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    assert len(catalogue) > 100
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source():
    source = {
        (entry.msgctxt, entry.msgid): entry for entry in polib.pofile(str(LOCALE / "django.po")) if not entry.obsolete
    }
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(LOCALE / "django.mo"))}
    assert set(compiled) == set(source)
    for key, entry in source.items():
        assert compiled[key].msgstr == entry.msgstr
        assert (
            compiled[key].msgstr_plural == {int(k): v for k, v in entry.msgstr_plural.items()}
            or not entry.msgstr_plural
        )
