"""Midjourney in Telegram, through a midjourney-proxy compatible HTTP API."""

__version__ = "0.1.0"
