"""The /settings menu as pure functions: preferences → text and inline keyboard. No I/O here.

Callback data: `s:<owner>:<verb>[:<field>[:<value>]]`. The owner is whose preferences they are: a
user id, or a group's (negative) chat id; verbs: `main`, `open`, `set`, `reset`, `ask`, `close`.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.jobs.model import Delivery
from bot.jobs.preferences import Model, Preferences
from bot.mj import Speed
from bot.telegram.texts import LANGUAGE_NAMES, plain_text, text

PREFIX = "s:"
ICONS = {
    "speed": "⚡",
    "model": "🎨",
    "draft": "📝",
    "personalization": "👤",
    "parameters": "➕",
    "remix": "🎛",
    "delivery": "📦",
    "language": "🌐",
    "shared_buttons": "👆",
}
PERSON_FIELDS = ("speed", "model", "draft", "personalization", "parameters", "remix", "delivery", "language")
GROUP_FIELDS = (*PERSON_FIELDS, "shared_buttons")
WRITTEN = frozenset({"personalization", "parameters"})  # asked for by a reply, not picked
_SWITCHES = ("on", "off")
_UNSET = {"language": "language_telegram", "speed": "speed_default"}  # what nothing chosen means


def data(owner_id: int, verb: str, *rest: str) -> str:
    return ":".join([PREFIX.rstrip(":"), str(owner_id), verb, *rest])


def options(field: str, speeds: Sequence[Speed], languages: Sequence[str]) -> list[str]:
    """The values a field can be picked from."""
    if field == "speed":
        return [s.value for s in speeds if s is not Speed.DEFAULT]
    if field == "model":
        return [m.value for m in Model]
    if field == "delivery":
        return [d.value for d in Delivery]
    if field == "language":
        return list(languages)
    return list(_SWITCHES)


def value_text(lang: str, field: str, value: object) -> str:
    """A preference's value in words (plain text)."""
    if value is None or value == "":
        return plain_text(lang, _UNSET.get(field, "value_none"))
    if isinstance(value, bool):
        value = "on" if value else "off"
    if field == "language":
        return LANGUAGE_NAMES.get(str(value), str(value))
    if field == "model":
        return plain_text(lang, "model_default") if value == Model.DEFAULT.value else _model_name(str(value))
    if field in ("personalization", "parameters"):
        return str(value)
    if field == "shared_buttons":
        return plain_text(lang, f"shared_{value}")
    if field in ("draft", "remix"):
        return plain_text(lang, f"switch_{value}")
    return plain_text(lang, f"{field}_{value}")


def _model_name(value: str) -> str:
    return value.replace("niji", "Niji") if value.startswith("niji") else f"V{value}"


def _value(preferences: Preferences, field: str) -> object:
    value = getattr(preferences, field)
    return value.value if hasattr(value, "value") else value


def main_menu(
    lang: str,
    owner_id: int,
    effective: Preferences,
    *,
    group_title: str | None = None,
    group_id: int | None = None,
    person_id: int | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The overview: every preference with its value. A group admin's own menu leads to the group's
    (`group_id`), the group's back to theirs (`person_id`)."""
    fields = GROUP_FIELDS if owner_id < 0 else PERSON_FIELDS
    head = text(lang, "settings_group", title=group_title or "") if owner_id < 0 else text(lang, "settings_person")
    lines = [
        text(
            lang,
            "settings_line",
            icon=ICONS[f],
            name=plain_text(lang, f"pref_{f}"),
            value=value_text(lang, f, _value(effective, f)),
        )
        for f in fields
    ]
    buttons = [
        InlineKeyboardButton(f"{ICONS[f]} {plain_text(lang, f'pref_{f}')}", callback_data=data(owner_id, "open", f))
        for f in fields
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if group_id is not None:
        rows.append([InlineKeyboardButton(plain_text(lang, "settings_to_group"), callback_data=data(group_id, "main"))])
    if person_id is not None:
        back = InlineKeyboardButton(plain_text(lang, "settings_to_person"), callback_data=data(person_id, "main"))
        rows.append([back])
    rows.append([InlineKeyboardButton(plain_text(lang, "settings_close"), callback_data=data(owner_id, "close"))])
    return "\n".join([head, "", *lines]), InlineKeyboardMarkup(rows)


def field_menu(
    lang: str, owner_id: int, field: str, own: Preferences, effective: Preferences, values: Sequence[str]
) -> tuple[str, InlineKeyboardMarkup]:
    """One preference: its values to pick (the owner's own choice marked), or a way to write it."""
    chosen = _value(own, field)
    now = value_text(lang, field, _value(effective, field))
    title = text(lang, "settings_line", icon=ICONS[field], name=plain_text(lang, f"pref_{field}"), value=now)
    head = f"{title}\n\n{text(lang, f'help_{field}')}"
    rows: list[list[InlineKeyboardButton]] = []
    if field in WRITTEN:
        rows.append(
            [
                InlineKeyboardButton(plain_text(lang, "settings_write"), callback_data=data(owner_id, "ask", field)),
                InlineKeyboardButton(
                    plain_text(lang, "settings_clear"), callback_data=data(owner_id, "set", field, "")
                ),
            ]
        )
    else:
        picks = [
            InlineKeyboardButton(
                ("• " if _picked(chosen, value) else "") + value_text(lang, field, value),
                callback_data=data(owner_id, "set", field, value),
            )
            for value in values
        ]
        rows += [picks[i : i + 3] for i in range(0, len(picks), 3)]
    reset = ("• " if chosen is None else "") + plain_text(lang, "settings_reset")
    rows.append(
        [
            InlineKeyboardButton(reset, callback_data=data(owner_id, "reset", field)),
            InlineKeyboardButton(plain_text(lang, "settings_back"), callback_data=data(owner_id, "main")),
        ]
    )
    return head, InlineKeyboardMarkup(rows)


def _picked(chosen: object, value: str) -> bool:
    if isinstance(chosen, bool):
        return (value == "on") is chosen
    return chosen == value
