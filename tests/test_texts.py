"""The message catalogues: every language says everything English says, as valid Telegram HTML."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter

import pytest

from bot.telegram.texts import CATALOGUES, EN, RU, ZH, language_of, reason, text
from tests.fake_telegram import parse_html

CAPTION_LIMIT = 1024  # the texts end up in photo captions
LANGUAGES = sorted(CATALOGUES)
TRANSLATIONS = [lang for lang in LANGUAGES if lang != "en"]
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


def test_russian_and_chinese_are_registered():
    assert CATALOGUES["ru"] is RU
    assert CATALOGUES["zh"] is ZH
    assert set(LANGUAGES) == {"en", "ru", "zh"}


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_catalogue_has_exactly_the_english_keys(lang: str):
    assert set(CATALOGUES[lang]) == set(EN)


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_placeholders_match_english(lang: str):
    mismatched = {
        key: (_placeholders(message), _placeholders(EN[key]))
        for key, message in CATALOGUES[lang].items()
        if _placeholders(message) != _placeholders(EN[key])
    }
    assert mismatched == {}


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_tags_emojis_and_example_prompts_match_english(lang: str):
    for key, message in CATALOGUES[lang].items():
        assert sorted(_TAG.findall(message)) == sorted(_TAG.findall(EN[key])), key
        assert _emojis(message) == _emojis(EN[key]), key
        assert _CODE.findall(message) == _CODE.findall(EN[key]), key  # prompts and commands stay English


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_no_english_words_left_in_translations(lang: str):
    # Names keep their names: the product, file formats, and Midjourney's own button names.
    allowed = {"Midjourney", "Telegram", "imagine", "JPEG", "PNG", "WebP", "Custom", "Zoom", "Vary", "Region", "Remix"}
    leftovers = {}
    for key, message in CATALOGUES[lang].items():
        prose = re.sub(r"\{\w+\}|--\w+", "", _TAG.sub("", _CODE.sub("", message)))  # parameters stay English
        words = set(re.findall(r"[A-Za-z]{3,}", prose)) - allowed
        if words:
            leftovers[key] = words
    assert leftovers == {}


@pytest.mark.parametrize(("lang", "key"), MESSAGES)
def test_message_is_valid_telegram_html_within_caption_limit(lang: str, key: str):
    values = {name: DUMMY[name] for name in _placeholders(EN[key])}
    plain, entities = parse_html(text(lang, key, **values))
    assert plain.strip()
    assert len(plain) <= CAPTION_LIMIT
    assert "{" not in plain
    assert "}" not in plain
    expected_bold = "<b>" in CATALOGUES[lang][key]
    assert any(e["type"] == "bold" for e in entities) is expected_bold
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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_text_escapes_values(lang: str):
    message = text(lang, "error_banned", word="<b>x</b> & y")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in message
    plain, _ = parse_html(message)
    assert "<b>x</b> & y" in plain


def test_text_falls_back_to_english():
    assert text("xx", "status_queued_plain") == EN["status_queued_plain"]
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
