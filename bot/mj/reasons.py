"""What a provider's refusal or failure text means, when we recognise it (docs/provider-api.md §4, §6.1)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    PARENT_NOT_READY = "parent_not_ready"
    UNKNOWN_ACTION = "unknown_action"
    NO_ACCOUNT = "no_account"
    NO_QUOTA = "no_quota"
    PARENT_GONE = "parent_gone"
    EMPTY_PROMPT = "empty_prompt"
    BANNED = "banned"
    TIMEOUT = "timeout"
    SYSTEM = "system"
    NO_REMIX = "no_remix"


# The providers' words, often Chinese, as NZ, TA and new-api relays write them.
_KNOWN: tuple[tuple[str, Reason], ...] = (
    ("关联任务状态错误", Reason.PARENT_NOT_READY),
    ("未知的 Action", Reason.UNKNOWN_ACTION),
    ("unknown_action", Reason.UNKNOWN_ACTION),
    ("无可用的账号", Reason.NO_ACCOUNT),
    ("账号不可用", Reason.NO_ACCOUNT),
    ("quota_not_enough", Reason.NO_QUOTA),
    ("关联任务不存在", Reason.PARENT_GONE),
    ("prompt不能为空", Reason.EMPTY_PROMPT),
    ("可能包含敏感词", Reason.BANNED),
    ("Banned prompt", Reason.BANNED),
    ("任务超时", Reason.TIMEOUT),
    ("系统异常", Reason.SYSTEM),
    ("不支持 remix", Reason.NO_REMIX),  # TA: enableRemix on an account whose remix is off
    ("不支持remix", Reason.NO_REMIX),
    ("开启 Remix", Reason.NO_REMIX),  # TA: extending a video on an account whose remix is off (code 9, §9.5)
)


def known_reason(text: str) -> tuple[Reason, str] | None:
    """The reason a provider text gives and the words of it that said so, or None."""
    lowered = text.lower()
    for needle, reason in _KNOWN:
        if needle.lower() in lowered:
            return reason, needle
    return None
