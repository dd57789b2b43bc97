"""The one module that understands customIds, against the catalogue in docs/provider-api.md §8."""

from __future__ import annotations

import pytest

from bot.mj import ButtonAction, NeedsInput, Produces, Row, button_label, grid_buttons, meaning

U = "26d56b92-4ed6-45e2-8561-563797923135"

CATALOGUE = [
    # customId, action, index, detail, needs input, produces
    (f"MJ::JOB::upsample::2::{U}", ButtonAction.UPSCALE, 2, "", NeedsInput.NEVER, Produces.IMAGE),
    (f"MJ::JOB::variation::4::{U}", ButtonAction.VARIATION, 4, "", NeedsInput.IN_REMIX, Produces.GRID),
    (f"MJ::JOB::reroll::0::{U}::SOLO", ButtonAction.REROLL, None, "", NeedsInput.IN_REMIX, Produces.GRID),
    (f"MJ::JOB::variation::1::{U}::SOLO", ButtonAction.MAKE_VARIATIONS, None, "", NeedsInput.IN_REMIX, Produces.GRID),
    (f"MJ::JOB::low_variation::1::{U}::SOLO", ButtonAction.VARY_SUBTLE, None, "", NeedsInput.IN_REMIX, Produces.GRID),
    (f"MJ::JOB::high_variation::1::{U}::SOLO", ButtonAction.VARY_STRONG, None, "", NeedsInput.IN_REMIX, Produces.GRID),
    (f"MJ::JOB::upsample_v5_2x::1::{U}::SOLO", ButtonAction.UPSCALE_HD, None, "2x", NeedsInput.NEVER, Produces.IMAGE),
    (
        f"MJ::JOB::upsample_v6_2x_subtle::1::{U}::SOLO",
        ButtonAction.UPSCALE_HD,
        None,
        "subtle",
        NeedsInput.NEVER,
        Produces.IMAGE,
    ),
    (
        f"MJ::JOB::upsample_v6r1_2x_creative::1::{U}::SOLO",
        ButtonAction.UPSCALE_HD,
        None,
        "creative",
        NeedsInput.NEVER,
        Produces.IMAGE,
    ),
    (
        f"MJ::JOB::upsample_v7_2x_subtle::1::{U}::SOLO",
        ButtonAction.UPSCALE_HD,
        None,
        "subtle",
        NeedsInput.NEVER,
        Produces.IMAGE,
    ),
    (f"MJ::Inpaint::1::{U}::SOLO", ButtonAction.VARY_REGION, None, "", NeedsInput.ALWAYS, Produces.GRID),
    (f"MJ::Outpaint::50::1::{U}::SOLO", ButtonAction.ZOOM_OUT, None, "2", NeedsInput.NEVER, Produces.GRID),
    (f"MJ::Outpaint::75::1::{U}::SOLO", ButtonAction.ZOOM_OUT, None, "1.5", NeedsInput.NEVER, Produces.GRID),
    (f"MJ::Outpaint::100::1::{U}::SOLO", ButtonAction.MAKE_SQUARE, None, "", NeedsInput.NEVER, Produces.GRID),
    (f"MJ::CustomZoom::{U}", ButtonAction.CUSTOM_ZOOM, None, "", NeedsInput.ALWAYS, Produces.GRID),
    (f"MJ::CustomZoom::1::{U}", ButtonAction.CUSTOM_ZOOM, None, "", NeedsInput.ALWAYS, Produces.GRID),
    (f"MJ::JOB::pan_right::1::{U}::SOLO", ButtonAction.PAN, None, "right", NeedsInput.IN_REMIX, Produces.GRID),
    (f"MJ::JOB::animate_high::1::{U}::SOLO", ButtonAction.ANIMATE, None, "high", NeedsInput.IN_REMIX, Produces.VIDEO),
    (f"MJ::JOB::video_virtual_upscale::3::{U}", ButtonAction.VIDEO_UPSCALE, 3, "", NeedsInput.NEVER, Produces.VIDEO),
    (f"MJ::JOB::animate_low_extend::1::{U}", ButtonAction.EXTEND, None, "low", NeedsInput.IN_REMIX, Produces.VIDEO),
    (f"MJ::BOOKMARK::{U}", ButtonAction.BOOKMARK, None, "", NeedsInput.NEVER, Produces.NOTHING),
    ("MJ::Job::PicReader::3", ButtonAction.DESCRIBE_PICK, 3, "", NeedsInput.ALWAYS, Produces.GRID),
    ("MJ::Picread::Retry", ButtonAction.DESCRIBE_RETRY, None, "", NeedsInput.NEVER, Produces.CHOICES),
    ("MJ::Job::PicReader::all", ButtonAction.DESCRIBE_ALL, None, "", NeedsInput.NEVER, Produces.GRID),
    (f"MJ::Job::PromptAnalyzer::{U}::5", ButtonAction.SHORTEN_PICK, 5, "", NeedsInput.ALWAYS, Produces.GRID),
    ("MJ::JOB::PromptAnalyzer::1", ButtonAction.SHORTEN_PICK, 1, "", NeedsInput.ALWAYS, Produces.GRID),
    (
        f"MJ::Job::PromptAnalyzerExtended::{U}",
        ButtonAction.SHORTEN_DETAILS,
        None,
        "",
        NeedsInput.NEVER,
        Produces.CHOICES,
    ),
    ("MJ::Something::new", ButtonAction.UNKNOWN, None, "", NeedsInput.NEVER, Produces.NOTHING),
]


@pytest.mark.parametrize(("custom_id", "action", "index", "detail", "needs_input", "produces"), CATALOGUE)
def test_every_catalogued_button_is_understood(custom_id, action, index, detail, needs_input, produces):
    sense = meaning(custom_id)
    assert (sense.action, sense.index, sense.detail) == (action, index, detail)
    assert sense.needs_input is needs_input
    assert sense.produces is produces


def test_only_the_bookmark_is_never_shown():
    hidden = {meaning(c).action for c, *_ in CATALOGUE if meaning(c).hidden}
    assert hidden == {ButtonAction.BOOKMARK}


def test_video_buttons_keep_midjourneys_rows():
    assert meaning(f"MJ::JOB::video_virtual_upscale::2::{U}").row is Row.UPSCALE_PICK  # beside each other, like U1–U4
    assert meaning(f"MJ::JOB::animate_low::1::{U}::SOLO").row is Row.ANIMATE
    assert meaning(f"MJ::JOB::animate_high_extend::1::{U}").row is Row.ANIMATE


def test_only_a_grid_cell_upscale_is_not_repeatable():
    assert not meaning(f"MJ::JOB::upsample::1::{U}").is_repeatable
    assert meaning(f"MJ::JOB::upsample_v7_2x_subtle::1::{U}::SOLO").is_repeatable
    assert meaning(f"MJ::JOB::variation::1::{U}").is_repeatable


def test_legacy_change_knows_u_v_and_reroll_with_a_nonzero_index():
    assert meaning(f"MJ::JOB::upsample::3::{U}").legacy_change == ("UPSCALE", 3)
    assert meaning(f"MJ::JOB::variation::2::{U}").legacy_change == ("VARIATION", 2)
    assert meaning(f"MJ::JOB::reroll::0::{U}::SOLO").legacy_change == ("REROLL", 1)
    assert meaning(f"MJ::JOB::reroll::0::{U}::SOLO").simple_change == "R"
    assert meaning(f"MJ::JOB::variation::2::{U}").simple_change == "V2"
    assert meaning(f"MJ::JOB::pan_up::1::{U}::SOLO").legacy_change is None


def test_synthesized_grid_buttons_read_like_midjourneys():
    buttons = grid_buttons(U)
    assert [button_label(b.label, b.emoji) for b in buttons] == ["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"]
    rows = [meaning(b.custom_id).row for b in buttons]
    assert rows == [Row.UPSCALE_PICK] * 5 + [Row.VARIATION_PICK] * 4


def test_labels_drop_discords_custom_emoji_names():
    assert button_label("Upscale (Subtle)", "upscale_1") == "Upscale (Subtle)"
    assert button_label("Vary (Strong)", "🪄") == "🪄 Vary (Strong)"
    assert button_label("", "⬅️") == "⬅️"
    assert button_label("", "2\ufe0f\u20e3") == "2\ufe0f\u20e3"
