"""Everything the bot says. Messages are HTML fragments with `{placeholders}`.

English is written here; other languages are gettext catalogues (`catalogues.py`, `locale/`). The
person's Telegram language (or their setting) picks the catalogue; a language we lack, or a message a
catalogue lacks, is said in English, so adding a message or a language never breaks a chat.
"""

from __future__ import annotations

import html

from bot.mj import known_reason
from bot.telegram.catalogues import LOCALES, Plural, translations

EN: dict[str, str | Plural] = {
    "start": (
        "👋 <b>Hi! I draw with Midjourney.</b>\n\n"
        "Send <code>/imagine</code> and a prompt, for example:\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "In this private chat you can also just send the prompt as a message. "
        "Midjourney parameters such as <code>--ar</code>, <code>--v</code> or <code>--no</code> work as usual.\n\n"
        "<b>Pictures work too:</b>\n"
        "• a photo with no caption, or captioned <code>/describe</code>: four prompts that could have made it;\n"
        "• a photo (or an album of up to 5) captioned with a prompt: the photos become image prompts, or, "
        "after a bare <code>--sref</code>, <code>--cref</code> or <code>--oref</code>, references;\n"
        "• an album captioned <code>/blend</code> (or <code>/blend portrait</code>, <code>landscape</code>), "
        "or <code>/blend</code> and then the photos;\n"
        "• <code>/swap</code>, then a face and a picture: the face goes into the picture;\n"
        "• <code>/shorten</code> and a prompt: the words that matter;\n"
        "• <code>/seed</code> in reply to a result, or 🌱 under it: its seed.\n\n"
        "I keep one message per job up to date and put Midjourney's buttons under the result: "
        "U1–U4 upscale, V1–V4 make variations, 🔄 runs the prompt again."
    ),
    "imagine_usage": (
        "✍️ Please add a prompt after the command, for example:\n<code>/imagine a red fox in snow --ar 3:2</code>"
    ),
    "status_sending": "⏳ <b>Sending to Midjourney…</b>",
    "status_queued": "🕒 <b>Queued</b> · {ahead} ahead of you",
    "status_queued_plain": "🕒 <b>Queued</b>",
    "status_submitted": "📨 <b>Submitted</b> · waiting for Midjourney to start",
    "status_progress": "🎨 <b>Drawing…</b> {percent}%\n{bar}",
    "status_progress_plain": "🎨 <b>Drawing…</b>",
    "result_full_file": "Full resolution · {width}×{height}",
    "error_banned": (
        "🚫 <b>Midjourney won't accept this prompt.</b>\nThe word “{word}” is not allowed. "
        "Please rephrase the prompt and try again."
    ),
    "error_banned_plain": (
        "🚫 <b>Midjourney won't accept this prompt</b> because it may contain a banned word. "
        "Please rephrase it and try again."
    ),
    "error_queue_full": "🚦 <b>Midjourney's queue is full right now.</b>\nPlease try again in a few minutes.",
    "error_rejected": "⚠️ <b>Midjourney refused this request.</b>\nReason: {reason}",
    "error_misconfigured": (
        "🛠 <b>Sorry, the bot is misconfigured</b> and cannot use Midjourney right now. "
        "Nothing was charged. The bot's operator can find the details in its log."
    ),
    "error_unavailable": (
        "🔌 <b>The Midjourney service is not reachable right now.</b>\n"
        "Your request was not sent. Please try again in a little while."
    ),
    "error_maybe_submitted": (
        "🔌 <b>The Midjourney service stopped answering</b> while I was sending your request. "
        "It may or may not have been accepted, and I can't follow it. Please try again later."
    ),
    "error_interrupted": (
        "⏹ <b>This request was cut off while it was being sent</b> (a restart, or a provider that did not "
        "answer), so it may not have reached Midjourney. Please send it again."
    ),
    "error_task_failed": "❌ <b>Midjourney couldn't finish this job.</b>\nReason: {reason}",
    "error_task_failed_plain": "❌ <b>Midjourney couldn't finish this job.</b>",
    "error_cancelled": "✖️ <b>This job was cancelled.</b>",
    "error_no_input": "✖️ <b>This action waited for input that never came, so it was cancelled.</b>",
    "error_timed_out": Plural(
        "⌛ <b>Midjourney didn't finish this job within {minutes} minute</b>, so I stopped waiting. Please try again.",
        "⌛ <b>Midjourney didn't finish this job within {minutes} minutes</b>, so I stopped waiting. Please try again.",
        by="minutes",
    ),
    "status_needs_input": "✍️ <b>Waiting for your answer</b> to the question below.",
    "error_download_failed": (
        "⚠️ <b>The image is ready, but I couldn't download it</b> from the provider.\n"
        '<a href="{url}">Open it here</a> (the link expires after a while).'
    ),
    "error_internal": "😵 Sorry, something went wrong on my side. The bot's operator can find the details in its log.",
    "press_started": "⏳ {label}",
    "action_upscale": "Image #{n}",
    "action_variation": "Variations of image #{n}",
    "action_reroll": "🔄 Rerun",
    "action_pan_left": "⬅️ Pan left",
    "action_pan_right": "➡️ Pan right",
    "action_pan_up": "⬆️ Pan up",
    "action_pan_down": "⬇️ Pan down",
    "press_unknown": "This button is no longer available. Please start a new /imagine.",
    "press_running": "⏳ Already working on it, hang on.",
    "press_repeat": "🖼 {label} was upscaled already; here it is again.",
    "reason_parent_not_ready": "the original image is not finished yet",
    "reason_unknown_action": "this button is not supported by the Midjourney provider",
    "reason_no_account": "the provider has no Midjourney account available right now",
    "reason_no_quota": "the provider account has run out of credit",
    "reason_parent_gone": "the original job no longer exists at the provider",
    "reason_empty_prompt": "the prompt is empty",
    "reason_banned": "the prompt may contain a banned word",
    "reason_timeout": "the job timed out at the provider",
    "reason_system": "the provider had an internal error",
    "reason_no_remix": "the provider's Midjourney account has remix mode off",
    "kind_describe": "🖼 <b>Describing your picture</b>",
    "kind_blend": "🔀 <b>Blend</b> · {shape}",
    "kind_swap": "🎭 <b>Face swap</b>",
    "shape_portrait": "portrait",
    "shape_square": "square",
    "shape_landscape": "landscape",
    "choices_describe": "🖼 <b>Midjourney reads your picture as:</b>",
    "choices_shorten": "✂️ <b>Shortened prompts</b>",
    "choices_tokens": "Important tokens: {tokens}",
    "choices_none": "🤷 <b>Midjourney gave no prompts back.</b>",
    "action_pick": "Prompt #{n}",
    "action_pick_all": "🎉 All four prompts",
    "action_describe_again": "🔄 Describe again",
    "action_shorten_details": "Show details",
    "error_not_offered": "🧩 <b>This Midjourney provider doesn't offer {feature}.</b>",
    "feature_describe": "describing pictures",
    "feature_shorten": "shortening prompts",
    "feature_blend": "blending pictures",
    "feature_swap": "face swaps",
    "feature_references": ("uploading reference pictures; put an image link after --sref, --cref or --oref instead"),
    "feature_modal": "the extra input this action needs",
    "feature_seed": "seeds",
    "feature_this": "this",
    "input_not_an_image": "🖼 <b>That file isn't a picture I can read.</b> Please send a JPEG, PNG or WebP photo.",
    "input_too_large": (
        "📦 <b>That picture is larger than 20 MB</b>, more than Telegram lets me download. Please send a smaller one."
    ),
    "count_imagine": "🖼 Please use at most {most} pictures with one prompt (you sent {count}).",
    "count_blend": "🔀 A blend takes 2 to 5 pictures; you sent {count}.",
    "count_swap": (
        "🎭 A face swap takes exactly two pictures: the face first, then the picture whose face is replaced."
    ),
    "count_describe": "🖼 Please describe one picture at a time (you sent {count}).",
    "describe_usage": "🖼 Send <code>/describe</code> as a reply to a photo, or send me a photo with no caption.",
    "shorten_usage": (
        "✂️ Please add a prompt after the command, for example:\n<code>/shorten a very detailed portrait of a fox</code>"
    ),
    "album_what": (
        "🖼 Got {count} pictures. Caption them <code>/blend</code> to blend them, or with a prompt to use them as "
        "image prompts."
    ),
    "blend_start": (
        "🔀 <b>Send me 2 to 5 pictures to blend</b>, then press <b>Blend now</b>.\n"
        "In a group, send them as a reply to this message."
    ),
    "blend_progress": "🔀 <b>{count} of at most 5 pictures</b> · press <b>Blend now</b> when you're ready.",
    "blend_now": "🔀 Blend now",
    "blend_started": "🔀 Blending {count} pictures…",
    "blend_full": "🔀 That's five pictures already, the most a blend takes.",
    "swap_start": (
        "🎭 <b>Send me the face first</b>, then the picture whose face should be replaced.\n"
        "In a group, send them as a reply to this message."
    ),
    "swap_second": "🎭 <b>Got the face.</b> Now the picture whose face should be replaced.",
    "swap_started": "🎭 Swapping the face…",
    "session_cancel": "✖ Cancel",
    "session_cancelled": "✖ Cancelled.",
    "session_gone": "This is no longer open. Please start again.",
    "session_not_yours": "This belongs to someone else.",
    "seed_result": (
        "🌱 Seed of this job: <code>{seed}</code>\nAdd <code>--seed {seed}</code> to "
        "a prompt to start from the same noise."
    ),
    "seed_usage": "🌱 Send <code>/seed</code> as a reply to one of my results.",
    "seed_unknown": "🌱 That isn't one of my finished results in this chat.",
    "seed_failed": "🌱 The provider couldn't tell the seed: {reason}",
    "ask_zoom": (
        "🔍 <b>Custom Zoom</b> · reply to this message with the prompt to zoom out with. It takes "
        "<code>--zoom</code> above 1 and at most 2 (2 doubles the canvas); without one I use 2. The current prompt:"
    ),
    "ask_remix": "🎛 <b>Remix</b> · {title} · reply to this message with the prompt to use. The current one:",
    "ask_pick": "✍️ <b>Imagine this</b> · send it as it is, or reply to this message with your changes:",
    "ask_region": (
        "🖌 <b>Vary (Region)</b> · choose the squares to repaint, then press <b>Done</b>. "
        "Then I'll ask what to draw there."
    ),
    "ask_region_prompt": Plural(
        "🖌 <b>Vary (Region)</b> · {count} square chosen. Reply to this message with the prompt for the new "
        "area, or send the current one as it is:",
        "🖌 <b>Vary (Region)</b> · {count} squares chosen. Reply to this message with the prompt for the new "
        "area, or send the current one as it is:",
    ),
    "send_as_is": "✅ Send as is",
    "region_done": "✅ Done",
    "question_sent": "✅ <b>Sent.</b> The job's message shows how it goes.",
    "question_unchanged": (
        "✅ <b>Sent as it was</b>: this provider runs it without asking, so your changes could not be used."
    ),
    "question_refused": "⚠️ <b>Midjourney did not take that.</b> The job's message says why.",
    "question_cancelled": "✖ <b>Cancelled.</b>",
    "question_expired": "⌛ <b>No answer came in time</b>, so this was cancelled.",
    "answer_empty": "✍️ Please send the prompt as text.",
    "answer_zoom_range": (
        "🔍 Custom Zoom takes <code>--zoom</code> above 1 and at most 2; you wrote {value}. Nothing was sent."
    ),
    "answer_no_region": "🖌 Please choose at least one square with the buttons first.",
    "answer_closed": "This question is closed.",
    "answer_busy": "⏳ One moment, I'm on it.",
    "cancel_nothing": "✖ There is nothing waiting for your answer here.",
    "remix_on": (
        "🎛 <b>Remix is on.</b> Variations, 🔄, pans and videos will ask you for the prompt first. "
        "Send <code>/remix</code> again to turn it off."
    ),
    "remix_off": "🎛 <b>Remix is off.</b> Variations, 🔄, pans and videos run at once.",
    "album_late": (
        "🖼 This picture came after the rest of its album had been handled, so I left it out. "
        "Send it on its own, or send the album again."
    ),
    "caption_unknown": (
        "🖼 With pictures I can <code>/describe</code>, <code>/blend</code>, <code>/swap</code> or "
        "<code>/imagine</code> a prompt with them."
    ),
    "blend_shape": (
        "🔀 A blend is <code>portrait</code>, <code>square</code> or <code>landscape</code>, for example "
        "<code>/blend landscape</code>."
    ),
    "session_expired": "⌛ That /blend or /swap waited too long and has closed. Please start it again.",
    "session_still_arriving": "Your pictures are still arriving; press again in a moment.",
    "paint_button": "🖌 Paint the area",
    "paint_title": "Vary (Region): paint what to repaint",
    "paint_brush": "Brush",
    "paint_eraser": "Eraser",
    "paint_clear": "Clear",
    "paint_prompt": "What to draw there:",
    "paint_send": "Send",
    "paint_sending": "Sending…",
    "paint_sent": "Sent. You can close this window.",
    "action_animate_high": "🎞️ Animate (high motion)",
    "action_animate_low": "🎞️ Animate (low motion)",
    "action_extend_high": "🎞️ Extend (high motion)",
    "action_extend_low": "🎞️ Extend (low motion)",
    "action_clip": "Clip #{n}",
    "clip_caption": "🎞️ Clip #{n}",
    "video_grid_hint": "🎞️ <b>{count} clips</b> are below. Pick one (U1–U{count}) to extend it.",
    "video_too_large": (
        '📦 <a href="{url}">The video</a> is larger than the 50 MB Telegram lets bots send, so here is its '
        "link instead (it expires after a while)."
    ),
    "clip_too_large": (
        '📦 <a href="{url}">Clip #{n}</a> is larger than the 50 MB Telegram lets bots send; '
        "the link expires after a while."
    ),
    "video_download_failed": (
        "⚠️ <b>The video is ready, but I couldn't download it</b> from the provider.\n"
        '<a href="{url}">Open it here</a> (the link expires after a while).'
    ),
    "clip_download_failed": (
        '⚠️ I couldn\'t download <a href="{url}">clip #{n}</a> from the provider; the link expires after a while.'
    ),
    "video_barred": (
        '🚫 This chat doesn\'t let me send videos, so here is <a href="{url}">the video</a> as a link '
        "(it expires after a while)."
    ),
    "clip_barred": (
        '🚫 This chat doesn\'t let me send videos: <a href="{url}">clip #{n}</a> (the link expires after a while).'
    ),
    "error_video_no_clips": "⚠️ <b>The video is ready, but the provider didn't say where to download it.</b>",
    "feature_video": "video",
    "flood_wait": "🐢 That is a lot at once. Please wait {seconds} s; what you send meanwhile is ignored.",
    "command_unknown": "🤔 I don't know the command {command}. Send <code>/help</code> to see what I can do.",
    "error_lost": (
        "🕳 <b>The Midjourney service lost track of this job.</b>\n"
        "It no longer knows it, so no result will come. Please send it again."
    ),
}

LANGUAGES: tuple[str, ...] = ("en", *LOCALES)


def language_of(code: str | None) -> str:
    """The catalogue for a Telegram `language_code` ("ru", "zh-hans", "pt-br", …); English when we have none.

    Every Chinese variant, traditional script included, gets the Simplified catalogue: it reads
    better to those users than English does.
    """
    base = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def text(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang` with `values` HTML-escaped and filled in."""
    return template(lang, key, values).format(**{k: html.escape(str(v)) for k, v in values.items()})


def plain_text(lang: str, key: str, **values: object) -> str:
    """The same for places Telegram shows without parsing HTML (callback query answers)."""
    return template(lang, key, values).format(**{k: str(v) for k, v in values.items()})


def template(lang: str, key: str, values: dict[str, object] | None = None) -> str:
    """The unfilled message; a plural one in the form its number asks for in that language."""
    message, catalogue = EN[key], translations(lang)
    if isinstance(message, Plural):
        count = int(str((values or {}).get(message.by, 0)))
        return catalogue.npgettext(key, message.one, message.other, count)
    return catalogue.pgettext(key, message)


def reason(lang: str, provider_text: str) -> str:
    """A provider's refusal or failure text, explained when we recognise it (not escaped)."""
    provider_text = provider_text.strip()
    known = known_reason(provider_text)
    if known is None:
        return provider_text or "—"
    why, needle = known
    explained = template(lang, f"reason_{why}")
    return f"{explained} ({provider_text})" if provider_text != needle else explained
