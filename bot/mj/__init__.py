"""The midjourney-proxy provider client. Knows nothing of Telegram."""

from bot.mj.client import AuthStyle, MJClient, Speed
from bot.mj.errors import (
    AuthenticationFailed,
    BannedPrompt,
    EndpointNotFound,
    MJError,
    ModalRequired,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    Rejected,
    SubmitRefused,
)
from bot.mj.models import Button, SubmitResult, Task, TaskStatus

__all__ = [
    "AuthStyle",
    "AuthenticationFailed",
    "BannedPrompt",
    "Button",
    "EndpointNotFound",
    "MJClient",
    "MJError",
    "ModalRequired",
    "ProviderMisconfigured",
    "ProviderUnavailable",
    "QueueFull",
    "Rejected",
    "Speed",
    "SubmitRefused",
    "SubmitResult",
    "Task",
    "TaskStatus",
]
