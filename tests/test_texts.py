"""The message catalogues: every language says everything English says, as valid Telegram HTML."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.telegram import catalogues
from bot.telegram.catalogues import LOCALES, Plural, read, template
from bot.telegram.texts import EN, LANGUAGES, language_of, reason, text
from tests.fake_telegram import parse_html

CAPTION_LIMIT = 1024  # the texts end up in photo captions
TRANSLATIONS = sorted(LOCALES)
COUNTS = (1, 2, 3, 5, 11, 21, 22, 25, 101)  # every plural form of English, Russian and Chinese
MESSAGES = [(lang, key) for lang in LANGUAGES for key in sorted(EN)]

_TAG = re.compile(r"</?[a-z][^>]*>")
_CODE = re.compile(r"<code>(.*?)</code>", re.S)

# Realistic worst cases: views.py shortens a reason to 300 characters before it reaches a message.
DUMMY: dict[str, object] = {
    "ahead": 12,
    "percent": 100,
    "bar": "▰" * 10,
    "width": 2048,
    "height": 2048,
    "word": "forbidden <word> & co",
    "reason": "x" * 299 + "…",
    "minutes": 30,
    "url": "https://cdn.example.com/attachments/1/2/image.png?ex=1&is=2",
    "label": "Variations of image #4",
    "n": 4,
    "count": 5,
    "most": 5,
    "feature": "uploading reference pictures; put an image link after --sref, --cref or --oref instead",
    "seed": "4294967295",
    "shape": "landscape",
    "tokens": ", ".join(["word"] * 60),
    "title": "Variations of image #4",
    "value": "3",
    "command": "/a_command_thirty_two_characters_",
    "seconds": 60,
}


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _emojis(template: str) -> Counter[str]:
    return Counter(c for c in template if unicodedata.category(c) == "So")


def _english(key: str) -> list[str]:
    message = EN[key]
    return [message.one, message.other] if isinstance(message, Plural) else [message]


def _forms(string: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else (string or "",)


def _translated(catalog: Catalog) -> Iterator[tuple[str, str, str]]:
    """(key, English, translation) for every form of every entry; forms past the first compare with English's other."""
    for entry in catalog:
        if entry.id and entry.context in EN:
            english = _english(str(entry.context))
            for n, form in enumerate(_forms(entry.string)):
                yield str(entry.context), english[0] if n == 0 else english[-1], form


@pytest.fixture(scope="module", params=TRANSLATIONS)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return read(LOCALES[request.param])


def test_russian_and_chinese_are_registered():
    assert set(LANGUAGES) == {"en", "ru", "zh"}
    on_disk = {path.parent.parent.name for path in catalogues.DIRECTORY.glob("*/LC_MESSAGES/messages.po")}
    assert on_disk == set(LOCALES.values())


def test_the_template_on_disk_is_made_from_english():
    # After changing texts.EN: python -m bot.telegram.catalogues
    with catalogues.TEMPLATE.open("rb") as file:
        on_disk = read_po(file)
    assert {(m.context, m.id) for m in on_disk if m.id} == {(m.context, m.id) for m in template(EN) if m.id}


def test_catalogue_has_exactly_the_english_messages(catalog: Catalog):
    expected = {(m.context, m.id) for m in template(EN) if m.id}
    assert {(m.context, m.id) for m in catalog if m.id} == expected
    assert not catalog.obsolete


def test_every_message_is_translated_and_none_is_fuzzy(catalog: Catalog):
    untranslated = [m.context for m in catalog if m.id and (m.fuzzy or not all(_forms(m.string)))]
    assert untranslated == []
    assert not catalog.fuzzy


def test_plural_messages_have_every_form_of_the_language(catalog: Catalog):
    plural = {key for key, message in EN.items() if isinstance(message, Plural)}
    assert plural  # at least one message counts something
    for entry in catalog:
        if entry.context in plural:
            assert len(_forms(entry.string)) == catalog.num_plurals, entry.context


def test_placeholders_match_english(catalog: Catalog):
    mismatched = {
        key: (_placeholders(form), _placeholders(english))
        for key, english, form in _translated(catalog)
        if _placeholders(form) != _placeholders(english)
    }
    assert mismatched == {}


def test_tags_emojis_and_example_prompts_match_english(catalog: Catalog):
    for key, english, form in _translated(catalog):
        assert sorted(_TAG.findall(form)) == sorted(_TAG.findall(english)), key
        assert _emojis(form) == _emojis(english), key
        assert _CODE.findall(form) == _CODE.findall(english), key  # prompts and commands stay English


def test_no_english_words_left_in_translations(catalog: Catalog):
    # Names keep their names: the product, file formats, and Midjourney's own button names.
    allowed = {"Midjourney", "Telegram", "imagine", "JPEG", "PNG", "WebP", "Custom", "Zoom", "Vary", "Region", "Remix"}
    leftovers: dict[str, set[str]] = {}
    for key, _english_text, form in _translated(catalog):
        prose = re.sub(r"\{\w+\}|--\w+", "", _TAG.sub("", _CODE.sub("", form)))  # parameters stay English
        words = set(re.findall(r"[A-Za-z]{3,}", prose)) - allowed
        if words:
            leftovers[key] = words
    assert leftovers == {}


@pytest.mark.parametrize(("lang", "key"), MESSAGES)
def test_message_is_valid_telegram_html_within_caption_limit(lang: str, key: str):
    message = EN[key]
    counts = COUNTS if isinstance(message, Plural) else (None,)
    for count in counts:
        values = {name: DUMMY[name] for name in _placeholders(_english(key)[-1])}
        if isinstance(message, Plural):
            values[message.by] = count
        plain, entities = parse_html(text(lang, key, **values))
        assert plain.strip()
        assert len(plain) <= CAPTION_LIMIT
        assert "{" not in plain
        assert "}" not in plain
        assert any(e["type"] == "bold" for e in entities) is ("<b>" in _english(key)[0])
        if "url" in values:
            links = [e for e in entities if e["type"] == "text_link"]
            assert [e["url"] for e in links] == [DUMMY["url"]]


@pytest.mark.parametrize("key", ["press_unknown", "press_running", "press_started"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_callback_answers_are_plain_and_short(lang: str, key: str):
    message = text(lang, key, label=DUMMY["label"])
    assert "<" not in message
    assert "&" not in message
    assert len(message) <= 200  # Telegram's limit for answerCallbackQuery


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("ru", "ru"),
        ("RU", "ru"),
        ("zh", "zh"),
        ("zh-hans", "zh"),
        ("zh-cn", "zh"),
        ("zh-hant", "zh"),
        ("zh-tw", "zh"),
        ("zh-hk", "zh"),
        ("zh_TW", "zh"),
        ("en", "en"),
        ("en-GB", "en"),
        ("pt-br", "en"),
        ("uk", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_of(code: str | None, lang: str):
    assert language_of(code) == lang


@pytest.mark.parametrize(
    ("count", "chosen"),
    [(1, "выбрана 1 клетка"), (3, "выбраны 3 клетки"), (5, "выбрано 5 клеток"), (21, "выбрана 21 клетка")],
)
def test_russian_plurals_follow_the_number(count: int, chosen: str):
    assert f"· {chosen}." in text("ru", "ask_region_prompt", count=count)


def test_chinese_has_one_form():
    assert "已选择 1 个格子" in text("zh", "ask_region_prompt", count=1)
    assert "已选择 7 个格子" in text("zh", "ask_region_prompt", count=7)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_text_escapes_values(lang: str):
    message = text(lang, "error_banned", word="<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in message
    plain, _ = parse_html(message)
    assert "<b>x</b> & y" in plain


def test_text_falls_back_to_english():
    assert text("xx", "status_queued_plain") == EN["status_queued_plain"]
    assert text("en", "ask_region_prompt", count=1).startswith("🖌 <b>Vary (Region)</b> · 1 square chosen.")
    assert text("en", "ask_region_prompt", count=2).startswith("🖌 <b>Vary (Region)</b> · 2 squares chosen.")
    assert text("ru", "status_queued", ahead=3) == "🕒 <b>В очереди</b> · перед вами: 3"
    assert text("zh", "status_queued", ahead=3) == "🕒 <b>排队中</b> · 前面还有 3 个任务"


def test_reason_explains_chinese_provider_text_in_russian():
    explained = reason("ru", "关联任务状态错误: task_status_not_success")
    assert explained == "исходное изображение ещё не готово (关联任务状态错误: task_status_not_success)"
    no_account = "у провайдера сейчас нет доступного аккаунта Midjourney"
    assert reason("ru", "无可用的账号实例") == f"{no_account} (无可用的账号实例)"


def test_reason_in_chinese_and_unknown_texts():
    assert reason("zh", "任务超时") == "任务在服务商处超时"
    assert reason("zh", " 可能包含敏感词 ") == "提示词可能包含违禁词"
    assert reason("ru", "something new") == "something new"
    assert reason("zh", "  ") == "—"
