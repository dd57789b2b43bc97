"""The message catalogues: gettext `.po` files, one per language, read and compiled with Babel.

English is the source language and lives in `texts.EN`, keyed by a message name; a catalogue entry has
that name as its context (`msgctxt`) and the English text as its `msgid`, so translators see the
English, and an English change marks the translation fuzzy instead of silently keeping it.

After changing `texts.EN`, run `python -m bot.telegram.catalogues`: it rewrites `messages.pot` and
merges it into every language's `.po` (new entries empty, changed ones fuzzy), as `pybabel update` does.
An untranslated or fuzzy entry falls back to English at run time, and fails the tests.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

DIRECTORY = Path(__file__).with_name("locale")
TEMPLATE = DIRECTORY / "messages.pot"
DOMAIN = "messages"
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)

# Our language codes (what `texts.language_of` answers) and their catalogues' locales.
LOCALES: Mapping[str, str] = {"ru": "ru", "zh": "zh_Hans"}


@dataclass(frozen=True)
class Plural:
    """A message whose wording depends on a number: English's two forms; a language has as many as it needs."""

    one: str
    other: str
    by: str = "count"  # the placeholder that holds the number


def po_path(locale: str) -> Path:
    return DIRECTORY / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(locale: str) -> Catalog:
    with po_path(locale).open("rb") as file:
        return read_po(file, locale=locale, domain=DOMAIN)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for one of our languages; English (or a language we lack) translates nothing."""
    locale = LOCALES.get(lang)
    if locale is None:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, read(locale))  # fuzzy entries are left out, so they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def template(messages: Mapping[str, str | Plural]) -> Catalog:
    """The template every catalogue is made from: one entry per English message."""
    catalog = Catalog(
        domain=DOMAIN,
        project="mjbot",
        version="0.1.0",
        header_comment="# The bot's messages. English is in bot/telegram/texts.py.",
        creation_date=_FIXED_DATE,  # so the file changes only when a message does
    )
    for key, message in messages.items():
        msgid = (message.one, message.other) if isinstance(message, Plural) else message
        catalog.add(msgid, context=key)
    return catalog


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=0, no_location=True)


def update(messages: Mapping[str, str | Plural]) -> None:
    """Rewrite the template and merge it into each catalogue, keeping what is translated."""
    pot = template(messages)
    write(pot, TEMPLATE)
    for locale in LOCALES.values():
        catalog = read(locale)
        catalog.update(pot, update_header_comment=False)
        catalog.obsolete.clear()
        write(catalog, po_path(locale))


def main() -> None:
    # Imported by name, not run as __main__, so that texts.EN's Plural is this module's Plural.
    from bot.telegram import catalogues
    from bot.telegram.texts import EN

    catalogues.update(EN)
    print(f"updated {TEMPLATE} and the catalogues of {', '.join(LOCALES.values())}")


if __name__ == "__main__":
    main()
