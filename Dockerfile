# Build a virtual environment with the bot installed, then copy only that into a clean image.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The venv gets no pip of its own (the build stage's pip installs into it), so the image ships no installer.
RUN python -m venv --without-pip /opt/venv
# The dependencies first, at the versions CI tests (constraints.txt): this layer is rebuilt only when they
# change. A stand-in package lets pip read pyproject.toml's dependencies before the code is copied.
# EXTRAS=simulator adds what the simulator needs to render videos (compose's simulator profile builds that).
ARG EXTRAS=""
COPY pyproject.toml constraints.txt README.md LICENSE ./
RUN mkdir bot && touch bot/__init__.py \
    && pip --python /opt/venv/bin/python install --constraint constraints.txt ".${EXTRAS:+[$EXTRAS]}" \
    && rm -r bot
COPY bot ./bot
RUN pip --python /opt/venv/bin/python install --no-deps --force-reinstall .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DATABASE_PATH=/data/mjbot.sqlite3
# The base image's own pip, setuptools and wheel are build tools the bot never needs at run time.
RUN python -m pip uninstall --yes --quiet pip setuptools wheel \
    && groupadd --system --gid 10001 mjbot \
    && useradd --system --uid 10001 --gid mjbot --home-dir /data --no-create-home mjbot \
    && mkdir /data && chown mjbot:mjbot /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# With PUBLIC_URL set, the bot serves webhooks, provider callbacks and /healthz on PORT.
EXPOSE 8080
# The bot touches /data/heartbeat every 30 s after Telegram answered; stale means unhealthy. The check reads
# only DATABASE_PATH, so it needs none of the bot's other settings.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["mjbot", "healthcheck"]
CMD ["mjbot"]
