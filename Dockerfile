# Build a virtual environment with the bot installed, then copy only that into a clean image.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DATABASE_PATH=/data/mjbot.sqlite3
RUN groupadd --system --gid 10001 mjbot \
    && useradd --system --uid 10001 --gid mjbot --home-dir /data --no-create-home mjbot \
    && mkdir /data && chown mjbot:mjbot /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# The bot touches /data/heartbeat every 30 s after Telegram answered; stale means unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["mjbot", "healthcheck"]
CMD ["mjbot"]
