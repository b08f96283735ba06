# The sheets-sync worker. Config and credentials are mounted read-only at /config, state lives in /data.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SHEETS_SYNC_CONFIG=/config/config.yaml

WORKDIR /app

# Dependencies first, in their own cached layer: code changes do not reinstall them.
COPY constraints.txt pyproject.toml README.md ./
RUN mkdir -p sheets_sync/sources sheets_sync/mail \
    && touch sheets_sync/__init__.py sheets_sync/sources/__init__.py sheets_sync/mail/__init__.py \
    && pip install -c constraints.txt . \
    && pip uninstall -y sheets-sync

COPY sheets_sync ./sheets_sync
RUN pip install --no-deps -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /data sheets \
    && mkdir -p /data && chown sheets /data

USER sheets
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["sheets-sync", "health"]
ENTRYPOINT ["sheets-sync"]
CMD ["run"]
