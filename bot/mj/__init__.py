"""The midjourney-proxy provider client. Knows nothing of Telegram."""

from bot.mj.buttons import (
    ButtonAction,
    ButtonMeaning,
    NeedsInput,
    Produces,
    Row,
    button_label,
    describe_buttons,
    grid_buttons,
    meaning,
)
from bot.mj.client import AuthStyle, MJClient, Speed, check_speed
from bot.mj.errors import (
    AuthenticationFailed,
    BannedPrompt,
    EndpointNotFound,
    MJError,
    NotOffered,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    Rejected,
    SubmitRefused,
    UnsupportedButton,
)
from bot.mj.models import BotType, Button, SubmitResult, SubmitStatus, Task, TaskStatus
from bot.mj.reasons import Reason, known_reason
from bot.mj.results import clean_prompt, important_tokens, numbered_prompts, result_text

__all__ = [
    "AuthStyle",
    "AuthenticationFailed",
    "BannedPrompt",
    "BotType",
    "Button",
    "ButtonAction",
    "ButtonMeaning",
    "EndpointNotFound",
    "MJClient",
    "MJError",
    "NeedsInput",
    "NotOffered",
    "Produces",
    "ProviderMisconfigured",
    "ProviderUnavailable",
    "QueueFull",
    "Reason",
    "Rejected",
    "Row",
    "Speed",
    "SubmitRefused",
    "SubmitResult",
    "SubmitStatus",
    "Task",
    "TaskStatus",
    "UnsupportedButton",
    "button_label",
    "check_speed",
    "clean_prompt",
    "describe_buttons",
    "grid_buttons",
    "important_tokens",
    "known_reason",
    "meaning",
    "numbered_prompts",
    "result_text",
]
