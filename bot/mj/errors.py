"""What can go wrong when talking to a midjourney-proxy provider.

The hierarchy is small on purpose: callers decide what to tell a user by the class, and the
provider's own words travel in `description` for the log or, where safe, for the user.
Messages never contain the API key or request headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MJError(Exception):
    """Base of every provider error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProviderUnavailable(MJError):
    """Network failure, timeout, 5xx, or an answer that cannot be parsed.

    `maybe_submitted` is true when a submit request may have reached the provider before the failure
    (a read timeout, for instance): the job may exist and may be billed. `unanswered` marks a request
    the provider took but did not answer in time: a slow provider often makes the task a little later.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        maybe_submitted: bool = False,
        retry_after: float | None = None,
        unanswered: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_submitted = maybe_submitted
        self.unanswered = unanswered
        self.retry_after = retry_after  # seconds the provider asked us to wait (Retry-After)


class ProviderMisconfigured(MJError):
    """The bot's provider settings are wrong; only the operator can fix it."""


class AuthenticationFailed(ProviderMisconfigured):
    """HTTP 401/403: the key is wrong, missing, disabled, or sent in the wrong header style."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class EndpointNotFound(ProviderMisconfigured):
    """HTTP 404/405 without a provider envelope: wrong base URL, or the provider lacks this route."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class SubmitRefused(MJError):
    """The provider answered and refused the request. `description` is the provider's text."""

    def __init__(
        self,
        description: str,
        *,
        code: int | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(description or f"refused with code {code}")
        self.description = description
        self.code = code
        self.properties: Mapping[str, Any] = properties or {}


class BannedPrompt(SubmitRefused):
    """Code 24: the prompt matched the provider's banned-word list."""

    @property
    def word(self) -> str:
        return str(self.properties.get("bannedWord") or "")


class QueueFull(SubmitRefused):
    """Code 23 (or TA's code 9 "队列已满", or HTTP 429): try again later."""


class Rejected(SubmitRefused):
    """Any other refusal: validation errors, unknown action, missing parent task, no quota…"""


class UnsupportedButton(Rejected):
    """The provider cannot press this button: it answered "unknown action", or it has no route for it."""


class NotOffered(MJError):
    """The provider has no such endpoint (404), while the rest of its API answers: a feature it lacks."""

    def __init__(self, route: str, detail: str = "") -> None:
        super().__init__(f"the provider does not offer {route}" + (f" ({detail})" if detail else ""))
        self.route = route
