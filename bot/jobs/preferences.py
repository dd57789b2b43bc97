"""What a person (or a group's admins, for the group) chose for the next jobs, and how it reaches a prompt.

Preferences are layered: a person's own choices over their group's, over the bot's defaults. A
choice is None until it is made. Applied to a prompt, they add what the prompt does not say itself:
the prompt always wins (its own `--ar`, `--v` or `--niji` stay, and decide the bot type).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from bot.jobs.model import Delivery
from bot.mj import BotType, Speed


class Model(StrEnum):
    """Which Midjourney model draws: a version for the Midjourney bot, or Niji (sent as botType, §5)."""

    DEFAULT = "default"  # the provider account's own
    V7 = "7"
    V6_1 = "6.1"
    V6 = "6"
    V5_2 = "5.2"
    NIJI_7 = "niji 7"
    NIJI_6 = "niji 6"
    NIJI_5 = "niji 5"

    @property
    def parameter(self) -> str:
        if self is Model.DEFAULT:
            return ""
        return f"--{self.value}" if self.is_niji else f"--v {self.value}"

    @property
    def is_niji(self) -> bool:
        return self.value.startswith("niji")


@dataclass(frozen=True)
class Preferences:
    speed: Speed | None = None
    model: Model | None = None
    draft: bool | None = None
    personalization: str | None = None  # a --p code; "" turns it off
    parameters: str | None = None  # appended to prompts, checked by `check_parameters`
    remix: bool | None = None  # variations, 🔄 and pans ask for the prompt first
    delivery: Delivery | None = None
    language: str | None = None
    shared_buttons: bool | None = None  # a group's: everyone there may press anyone's buttons

    def over(self, base: Preferences) -> Preferences:
        """These choices where made, `base`'s elsewhere."""
        chosen = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        return replace(base, **chosen)


FIELDS = tuple(f.name for f in fields(Preferences))


class BadPreference(Exception):
    """A value that cannot be used: `reason` names what is wrong, `detail` where."""

    def __init__(self, reason: str, detail: str = "", expected: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.expected = reason, detail, expected


# -- the prompt ------------------------------------------------------------------------------------

_PARAMETER = re.compile(r"(?:^|\s)--([A-Za-z]+)")


def split_parameters(prompt: str) -> tuple[str, str]:
    """(the words, the parameters): Midjourney's parameters follow the words (`a fox --ar 3:2`)."""
    found = _PARAMETER.search(prompt)
    if found is None:
        return prompt.strip(), ""
    return prompt[: found.start()].strip(), prompt[found.start() :].strip()


def parameter_names(prompt: str) -> set[str]:
    """The parameters a prompt names, aliases folded (`--aspect` is `ar`)."""
    return {_ALIASES.get(name.lower(), name.lower()) for name in _PARAMETER.findall(prompt)}


def apply(prompt: str, preferences: Preferences) -> tuple[str, BotType]:
    """The prompt with what the preferences add and it does not say, and the bot that draws it."""
    parts = [prompt.strip()]
    for piece in _pieces(preferences.parameters or ""):
        if piece.name not in parameter_names(" ".join(parts)):
            parts.append(piece.text)
    named = parameter_names(" ".join(parts))
    model = preferences.model or Model.DEFAULT
    if model.parameter and not named & {"v", "niji"}:
        parts.append(model.parameter)
    if preferences.draft and "draft" not in named:
        parts.append("--draft")
    if preferences.personalization and "p" not in named:
        parts.append(f"--p {preferences.personalization}")
    final = " ".join(parts)
    return final, BotType.NIJI if "niji" in parameter_names(final) else BotType.MIDJOURNEY


# -- checking what a person sets -------------------------------------------------------------------

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PARAMETERS_LIMIT = 300


def check_personalization(value: str) -> str:
    code = value.strip().removeprefix("--p").strip()
    if not _CODE.match(code):
        raise BadPreference("personalization", value.strip()[:40])
    return code


@dataclass(frozen=True)
class _Piece:
    name: str  # the parameter, alias folded
    written: str  # as written, without the dashes
    values: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join([f"--{self.written}", *self.values])


def _pieces(parameters: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    for chunk in re.split(r"(?:^|\s)(?=--)", parameters.strip()):
        words = chunk.split()
        if not words:
            continue
        written = words[0].removeprefix("--")
        pieces.append(_Piece(_ALIASES.get(written.lower(), written.lower()), written, tuple(words[1:])))
    return pieces


def check_parameters(value: str) -> str:
    """Default parameters as they will be appended (`--ar 3:2 --v 7`), or BadPreference saying what is wrong."""
    text = " ".join(value.replace("—", "--").split())
    if len(text) > PARAMETERS_LIMIT:
        raise BadPreference("too_long", str(PARAMETERS_LIMIT))
    if not text.startswith("--"):
        raise BadPreference("not_parameters", text[:40])
    seen: set[str] = set()
    for piece in _pieces(text):
        rule = _RULES.get(piece.name)
        if rule is None or not re.fullmatch(r"[A-Za-z]+", piece.written):
            raise BadPreference("unknown", f"--{piece.written}"[:40])
        if piece.name in seen:
            raise BadPreference("twice", f"--{piece.written}")
        seen.add(piece.name)
        if not rule.accepts(piece.values):
            raise BadPreference("value", f"--{piece.written}", rule.expected)
    return text


@dataclass(frozen=True)
class _Rule:
    expected: str  # what the value should look like, in Midjourney's own notation
    pattern: str = ""  # one value matching this; "" for a parameter that takes none
    low: float | None = None
    high: float | None = None
    optional: bool = False  # the value may be left out
    words: bool = False  # any number of words (--no)

    def accepts(self, values: tuple[str, ...]) -> bool:
        if self.words:
            return bool(values)
        if not self.pattern:
            return not values
        if not values:
            return self.optional
        if len(values) != 1 or not re.fullmatch(self.pattern, values[0]):
            return False
        if self.low is None or self.high is None:
            return True
        return self.low <= float(values[0]) <= self.high


_INT = r"\d+"
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_RULES: dict[str, _Rule] = {
    "ar": _Rule("3:2", r"\d+:\d+"),
    "v": _Rule("7, 6.1, 6, 5.2", r"[1-7](?:\.[0-9])?"),
    "niji": _Rule("7, 6, 5", r"[4-7]", optional=True),
    "s": _Rule("0–1000", _INT, 0, 1000),
    "c": _Rule("0–100", _INT, 0, 100),
    "w": _Rule("0–3000", _INT, 0, 3000),
    "q": _Rule(".25, .5, 1, 2, 4", r"\.25|0\.25|\.5|0\.5|1|2|4"),
    "stop": _Rule("10–100", _INT, 10, 100),
    "seed": _Rule("0–4294967295", _INT, 0, 4294967295),
    "r": _Rule("1–40", _INT, 1, 40),
    "iw": _Rule("0–3", _NUMBER, 0, 3),
    "sw": _Rule("0–1000", _INT, 0, 1000),
    "sv": _Rule("1–6", _INT, 1, 6),
    "cw": _Rule("0–100", _INT, 0, 100),
    "ow": _Rule("1–1000", _INT, 1, 1000),
    "exp": _Rule("0–100", _INT, 0, 100),
    "style": _Rule("raw", r"[A-Za-z0-9]+"),
    "sref": _Rule("https://…", r"\S+"),
    "cref": _Rule("https://…", r"\S+"),
    "oref": _Rule("https://…", r"\S+"),
    "p": _Rule("--p abc123", r"[A-Za-z0-9_-]+", optional=True),
    "no": _Rule("--no plants", words=True),
    "tile": _Rule("--tile"),
    "raw": _Rule("--raw"),
    "draft": _Rule("--draft"),
}
_ALIASES = {
    "aspect": "ar",
    "version": "v",
    "stylize": "s",
    "chaos": "c",
    "weird": "w",
    "quality": "q",
    "repeat": "r",
    "personalize": "p",
    "profile": "p",
    "sameseed": "seed",
}
