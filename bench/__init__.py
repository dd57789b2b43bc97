"""The benchmark: the bot as its own process against the MJ simulator and a fake Bot API with Telegram's limits.

`python -m bench` runs it (see docs/benchmarks.md for what it measures and what the numbers were).
"""
