"""The one place that understands Midjourney's button customIds (docs/provider-api.md §8).

Everything else asks this module what a button does: which action, which cell, whether it needs the
person's input, what it produces, which keyboard row it belongs in, and whether to show it at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.mj.models import Button


class ButtonAction(StrEnum):
    UPSCALE = "upscale"  # U1–U4 on a grid
    VARIATION = "variation"  # V1–V4 on a grid
    REROLL = "reroll"  # 🔄
    UPSCALE_HD = "upscale_hd"  # Upscale (Subtle/Creative/2x/4x) on an upscaled image
    VARY_SUBTLE = "vary_subtle"
    VARY_STRONG = "vary_strong"
    MAKE_VARIATIONS = "make_variations"  # v5's single "Make Variations"
    VARY_REGION = "vary_region"
    ZOOM_OUT = "zoom_out"  # detail: "2" or "1.5"
    MAKE_SQUARE = "make_square"
    CUSTOM_ZOOM = "custom_zoom"
    PAN = "pan"  # detail: left, right, up, down
    ANIMATE = "animate"  # detail: high, low
    VIDEO_UPSCALE = "video_upscale"  # pick one clip of a video grid
    EXTEND = "extend"  # detail: high, low
    DESCRIBE_PICK = "describe_pick"  # 1️⃣–4️⃣ under a describe result
    DESCRIBE_ALL = "describe_all"  # 🎉 Imagine all
    DESCRIBE_RETRY = "describe_retry"
    SHORTEN_PICK = "shorten_pick"
    SHORTEN_DETAILS = "shorten_details"
    BOOKMARK = "bookmark"
    UNKNOWN = "unknown"


class NeedsInput(StrEnum):
    """Whether pressing the button opens a modal (docs/provider-api.md §7)."""

    NEVER = "never"
    IN_REMIX = "in_remix"  # only when remix mode is on
    ALWAYS = "always"


class Produces(StrEnum):
    GRID = "grid"  # four images with U/V buttons
    IMAGE = "image"  # one upscaled image
    CHOICES = "choices"  # text to pick from (describe, shorten)
    VIDEO = "video"
    NOTHING = "nothing"


class Row(StrEnum):
    """Keyboard rows in Discord's order."""

    UPSCALE_PICK = "upscale_pick"
    VARIATION_PICK = "variation_pick"
    UPSCALE = "upscale"
    VARY = "vary"
    ZOOM = "zoom"
    PAN = "pan"
    ANIMATE = "animate"
    PICK = "pick"
    OTHER = "other"


@dataclass(frozen=True)
class _Kind:
    needs_input: NeedsInput
    produces: Produces
    row: Row


_KINDS: dict[ButtonAction, _Kind] = {
    ButtonAction.UPSCALE: _Kind(NeedsInput.NEVER, Produces.IMAGE, Row.UPSCALE_PICK),
    ButtonAction.VARIATION: _Kind(NeedsInput.IN_REMIX, Produces.GRID, Row.VARIATION_PICK),
    ButtonAction.REROLL: _Kind(NeedsInput.IN_REMIX, Produces.GRID, Row.UPSCALE_PICK),
    ButtonAction.UPSCALE_HD: _Kind(NeedsInput.NEVER, Produces.IMAGE, Row.UPSCALE),
    ButtonAction.VARY_SUBTLE: _Kind(NeedsInput.IN_REMIX, Produces.GRID, Row.VARY),
    ButtonAction.VARY_STRONG: _Kind(NeedsInput.IN_REMIX, Produces.GRID, Row.VARY),
    ButtonAction.MAKE_VARIATIONS: _Kind(NeedsInput.IN_REMIX, Produces.GRID, Row.VARY),
    ButtonAction.VARY_REGION: _Kind(NeedsInput.ALWAYS, Produces.GRID, Row.VARY),
    ButtonAction.ZOOM_OUT: _Kind(NeedsInput.NEVER, Produces.GRID, Row.ZOOM),
    ButtonAction.MAKE_SQUARE: _Kind(NeedsInput.NEVER, Produces.GRID, Row.ZOOM),
    ButtonAction.CUSTOM_ZOOM: _Kind(NeedsInput.ALWAYS, Produces.GRID, Row.ZOOM),
    ButtonAction.PAN: _Kind(NeedsInput.IN_REMIX, Produces.GRID, Row.PAN),
    ButtonAction.ANIMATE: _Kind(NeedsInput.IN_REMIX, Produces.VIDEO, Row.ANIMATE),
    ButtonAction.VIDEO_UPSCALE: _Kind(NeedsInput.NEVER, Produces.VIDEO, Row.UPSCALE_PICK),
    ButtonAction.EXTEND: _Kind(NeedsInput.IN_REMIX, Produces.VIDEO, Row.ANIMATE),
    ButtonAction.DESCRIBE_PICK: _Kind(NeedsInput.ALWAYS, Produces.GRID, Row.PICK),
    ButtonAction.DESCRIBE_ALL: _Kind(NeedsInput.NEVER, Produces.GRID, Row.PICK),
    ButtonAction.DESCRIBE_RETRY: _Kind(NeedsInput.NEVER, Produces.CHOICES, Row.PICK),
    ButtonAction.SHORTEN_PICK: _Kind(NeedsInput.ALWAYS, Produces.GRID, Row.PICK),
    ButtonAction.SHORTEN_DETAILS: _Kind(NeedsInput.NEVER, Produces.CHOICES, Row.PICK),
    ButtonAction.BOOKMARK: _Kind(NeedsInput.NEVER, Produces.NOTHING, Row.OTHER),
    ButtonAction.UNKNOWN: _Kind(NeedsInput.NEVER, Produces.NOTHING, Row.OTHER),
}

# Rating a job is proxied by nobody (docs/provider-api.md §8 row 18).
_HIDDEN = frozenset({ButtonAction.BOOKMARK})

_UUID = r"[\w-]+"
_PATTERNS: tuple[tuple[re.Pattern[str], ButtonAction], ...] = (
    (re.compile(rf"^MJ::JOB::upsample::(?P<index>[1-4])::{_UUID}$"), ButtonAction.UPSCALE),
    (re.compile(rf"^MJ::JOB::variation::(?P<index>[1-4])::{_UUID}$"), ButtonAction.VARIATION),
    (re.compile(rf"^MJ::JOB::variation::1::{_UUID}::SOLO$"), ButtonAction.MAKE_VARIATIONS),
    (re.compile(rf"^MJ::JOB::reroll::\d+::{_UUID}(?:::SOLO)?$"), ButtonAction.REROLL),
    (re.compile(rf"^MJ::JOB::low_variation::1::{_UUID}::SOLO$"), ButtonAction.VARY_SUBTLE),
    (re.compile(rf"^MJ::JOB::high_variation::1::{_UUID}::SOLO$"), ButtonAction.VARY_STRONG),
    (
        re.compile(rf"^MJ::JOB::upsample_v\w*?_(?P<detail>2x_subtle|2x_creative|2x|4x)::1::{_UUID}::SOLO$"),
        ButtonAction.UPSCALE_HD,
    ),
    (re.compile(rf"^MJ::Inpaint::1::{_UUID}::SOLO$"), ButtonAction.VARY_REGION),
    (re.compile(rf"^MJ::Outpaint::(?P<detail>50|75)::1::{_UUID}::SOLO$"), ButtonAction.ZOOM_OUT),
    (re.compile(rf"^MJ::Outpaint::100::1::{_UUID}::SOLO$"), ButtonAction.MAKE_SQUARE),
    (re.compile(rf"^MJ::CustomZoom::(?:1::)?{_UUID}$"), ButtonAction.CUSTOM_ZOOM),
    (re.compile(rf"^MJ::JOB::pan_(?P<detail>left|right|up|down)::1::{_UUID}::SOLO$"), ButtonAction.PAN),
    (re.compile(rf"^MJ::JOB::animate_(?P<detail>high|low)::1::{_UUID}(?:::SOLO)?$"), ButtonAction.ANIMATE),
    (re.compile(rf"^MJ::JOB::animate_(?P<detail>high|low)_extend::\d+::{_UUID}"), ButtonAction.EXTEND),
    (re.compile(rf"^MJ::JOB::video_virtual_upscale::(?P<index>[1-4])::{_UUID}"), ButtonAction.VIDEO_UPSCALE),
    (re.compile(r"^MJ::Job::PicReader::all$"), ButtonAction.DESCRIBE_ALL),
    (re.compile(r"^MJ::Job::PicReader::(?P<index>[1-4])$"), ButtonAction.DESCRIBE_PICK),
    (re.compile(r"^MJ::Picread::Retry$"), ButtonAction.DESCRIBE_RETRY),
    # TA reads the pick's index from the last segment; the middle is unverified (§8 row 23).
    (re.compile(r"^MJ::(?:Job|JOB)::PromptAnalyzer::(?:.*::)?(?P<index>[1-5])$"), ButtonAction.SHORTEN_PICK),
    (
        re.compile(r"^MJ::(?:Job|JOB)::PromptAnalyzer(?:Extended|::.*(?:Extended|Details))"),
        ButtonAction.SHORTEN_DETAILS,
    ),
    (re.compile(rf"^MJ::BOOKMARK::{_UUID}$"), ButtonAction.BOOKMARK),
)
_ZOOM_FACTOR = {"50": "2", "75": "1.5"}
_CUSTOM_EMOJI = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class ButtonMeaning:
    """What a customId does. `index` is the grid cell or pick (1-based); `detail` a direction, factor or mode."""

    action: ButtonAction
    index: int | None = None
    detail: str = ""

    @property
    def needs_input(self) -> NeedsInput:
        return _KINDS[self.action].needs_input

    @property
    def produces(self) -> Produces:
        return _KINDS[self.action].produces

    @property
    def row(self) -> Row:
        return _KINDS[self.action].row

    @property
    def hidden(self) -> bool:
        return self.action in _HIDDEN

    @property
    def is_repeatable(self) -> bool:
        """False for U1–U4: Midjourney upscales a grid's cell only once (§12), so a repeat re-shows the first."""
        return self.action is not ButtonAction.UPSCALE

    @property
    def legacy_change(self) -> tuple[str, int] | None:
        """`(action, index)` for /submit/change, which only knows U, V and reroll (§5.9).

        Relays refuse index 0, so a reroll says 1.
        """
        if self.action is ButtonAction.UPSCALE and self.index:
            return "UPSCALE", self.index
        if self.action is ButtonAction.VARIATION and self.index:
            return "VARIATION", self.index
        if self.action is ButtonAction.REROLL:
            return "REROLL", 1
        return None

    @property
    def simple_change(self) -> str | None:
        """The `U2` / `V3` / `R` word of /submit/simple-change."""
        change = self.legacy_change
        if change is None:
            return None
        action, index = change
        return "R" if action == "REROLL" else f"{action[0]}{index}"


def meaning(custom_id: str) -> ButtonMeaning:
    custom_id = custom_id.strip()
    for pattern, action in _PATTERNS:
        match = pattern.match(custom_id)
        if match is None:
            continue
        groups = match.groupdict()
        index = int(groups["index"]) if groups.get("index") else None
        detail = groups.get("detail") or ""
        if action is ButtonAction.ZOOM_OUT:
            detail = _ZOOM_FACTOR[detail]
        elif action is ButtonAction.UPSCALE_HD:
            detail = detail.removeprefix("2x_")
        return ButtonMeaning(action, index, detail)
    return ButtonMeaning(ButtonAction.UNKNOWN)


def grid_buttons(job_hash: str) -> tuple[Button, ...]:
    """U1–U4, 🔄, V1–V4 for a grid whose task lists no buttons (novicezk's open-source proxy, §8 notes).

    The customIds follow Midjourney's pattern so every other part of the bot reads them as usual; the
    client sends them through /submit/change when the provider has no /submit/action.
    """
    upscales = [Button(f"MJ::JOB::upsample::{n}::{job_hash}", f"U{n}") for n in range(1, 5)]
    reroll = Button(f"MJ::JOB::reroll::0::{job_hash}::SOLO", "", "🔄")
    variations = [Button(f"MJ::JOB::variation::{n}::{job_hash}", f"V{n}") for n in range(1, 5)]
    return (*upscales, reroll, *variations)


def describe_buttons() -> tuple[Button, ...]:
    """1️⃣–4️⃣, 🔄 and 🎉 for a describe result whose task lists no buttons (novicezk, §8 rows 20–22)."""
    picks = [Button(f"MJ::Job::PicReader::{n}", "", f"{n}\ufe0f\u20e3") for n in range(1, 5)]
    return (*picks, Button("MJ::Picread::Retry", "", "🔄"), Button("MJ::Job::PicReader::all", "Imagine all", "🎉"))


def button_label(label: str, emoji: str) -> str:
    """A button's words as a person reads them: Midjourney names custom Discord emoji (`upscale_1`); those go."""
    shown_emoji = "" if _CUSTOM_EMOJI.fullmatch(emoji) else emoji  # a keycap (1️⃣) is a real emoji
    return " ".join(part for part in (shown_emoji, label) if part)
