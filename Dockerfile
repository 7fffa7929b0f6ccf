# seminar-bot: `docker compose up -d --build` (see README.md).
#
# Two stages: the builder installs the dependencies into a virtualenv at
# /opt/venv; the final image gets only that venv and the application source
# (bot/, cogs/, migrations/), so no compiler, pip cache or build files ship.

FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so editing the code does not
# reinstall them; constraints.txt pins the versions CI tested. Every dependency
# ships manylinux wheels: no apt packages.
COPY pyproject.toml constraints.txt ./
RUN python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/venv/bin/python -m pip install --no-cache-dir \
        --constraint constraints.txt --requirement requirements.txt

# The application runs from source in /app: migrations/ is found next to bot/.
# Byte-compiled here because the non-root user cannot write __pycache__ later.
COPY bot /app/bot
COPY cogs /app/cogs
COPY migrations /app/migrations
RUN /opt/venv/bin/python -m compileall -q /app/bot /app/cogs


FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/seminar.db \
    HEARTBEAT_PATH=/tmp/seminar-bot.heartbeat

RUN groupadd --system --gid 10001 seminar \
    && useradd --system --uid 10001 --gid seminar --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin seminar \
    && mkdir /data \
    && chown seminar:seminar /data

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

WORKDIR /app
# Declared after the chown, so a new named volume starts out owned by the bot.
VOLUME ["/data"]
USER 10001:10001

# The bot touches HEARTBEAT_PATH every HEARTBEAT_INTERVAL_SECONDS (default 30)
# while connected and the database answers; older than 3 intervals = unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]

# SIGTERM closes the Discord connection and the database cleanly.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
