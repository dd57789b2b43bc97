"""Everything the bot says, by language. Values are HTML fragments with `{placeholders}`.

The user's Telegram language picks the catalogue; unknown languages and missing keys fall back
to English, so adding a language never breaks a message.
"""

from __future__ import annotations

import html

EN: dict[str, str] = {
    "start": (
        "👋 <b>Hi! I draw with Midjourney.</b>\n\n"
        "Send <code>/imagine</code> and a prompt, for example:\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "In this private chat you can also just send the prompt as a message. "
        "Midjourney parameters such as <code>--ar</code>, <code>--v</code> or <code>--no</code> work as usual.\n\n"
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
        "⏹ <b>The bot restarted while sending this request</b>, so it may not have reached Midjourney. "
        "Please send it again."
    ),
    "error_task_failed": "❌ <b>Midjourney couldn't finish this job.</b>\nReason: {reason}",
    "error_task_failed_plain": "❌ <b>Midjourney couldn't finish this job.</b>",
    "error_cancelled": "✖️ <b>This job was cancelled.</b>",
    "error_timed_out": (
        "⌛ <b>Midjourney didn't finish this job within {minutes} minutes</b>, so I stopped waiting. "
        "Please try again."
    ),
    "error_needs_input": (
        "✍️ <b>This action needs extra input</b> (a prompt or a selected area), which this bot doesn't support yet."
    ),
    "error_download_failed": (
        "⚠️ <b>The image is ready, but I couldn't download it</b> from the provider.\n"
        "<a href=\"{url}\">Open it here</a> (the link expires after a while)."
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
    "reason_parent_not_ready": "the original image is not finished yet",
    "reason_unknown_action": "this button is not supported by the Midjourney provider",
    "reason_no_account": "the provider has no Midjourney account available right now",
    "reason_no_quota": "the provider account has run out of credit",
    "reason_parent_gone": "the original job no longer exists at the provider",
    "reason_empty_prompt": "the prompt is empty",
    "reason_banned": "the prompt may contain a banned word",
    "reason_timeout": "the job timed out at the provider",
    "reason_system": "the provider had an internal error",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN}

# The provider's words (often Chinese, from mj-api.md §4) → a reason key above.
_KNOWN_REASONS: tuple[tuple[str, str], ...] = (
    ("关联任务状态错误", "reason_parent_not_ready"),
    ("未知的 Action", "reason_unknown_action"),
    ("unknown_action", "reason_unknown_action"),
    ("无可用的账号", "reason_no_account"),
    ("账号不可用", "reason_no_account"),
    ("quota_not_enough", "reason_no_quota"),
    ("关联任务不存在", "reason_parent_gone"),
    ("prompt不能为空", "reason_empty_prompt"),
    ("可能包含敏感词", "reason_banned"),
    ("Banned prompt", "reason_banned"),
    ("任务超时", "reason_timeout"),
    ("系统异常", "reason_system"),
)


def language_of(code: str | None) -> str:
    base = (code or "en").split("-")[0].lower()
    return base if base in CATALOGUES else "en"


def text(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang` with `values` HTML-escaped and filled in."""
    template = CATALOGUES.get(lang, EN).get(key) or EN[key]
    return template.format(**{k: html.escape(str(v)) for k, v in values.items()})


def reason(lang: str, provider_text: str) -> str:
    """A provider's refusal or failure text, explained when we recognise it (not escaped)."""
    provider_text = provider_text.strip()
    for needle, key in _KNOWN_REASONS:
        if needle.lower() in provider_text.lower():
            explained = (CATALOGUES.get(lang, EN).get(key) or EN[key])
            return f"{explained} ({provider_text})" if provider_text != needle else explained
    return provider_text or "—"
