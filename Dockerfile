# The sheets-sync worker: `sheets-sync run` as a non-root user (uid 10001).
#   /config  config.yaml (and a service-account key), mounted read-only
#   /data    a volume: state_dir (send ledger, health file), outbox_dir; an .xlsx workbook goes in a
#            folder mounted read-write below it (e.g. /data/workbook), because the worker replaces
#            the file atomically through a temporary file beside it.
# See "Docker" in README.md; ci/docker-check.sh builds and runs this image in CI.
FROM python:3.11-slim

LABEL org.opencontainers.image.title="sheets-sync" \
      org.opencontainers.image.description="The worker that keeps a partnerships team's shared spreadsheet in discipline" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    SHEETS_SYNC_CONFIG=/config/config.yaml

# Dependencies first, in a layer of their own, from pyproject.toml and the pins in constraints.txt
# only: a change to the code (or the README) does not reinstall them. Empty packages stand in for
# the code so that pip can read the project's dependencies; the stand-in is uninstalled again.
COPY pyproject.toml constraints.txt /tmp/deps/
RUN mkdir -p /tmp/deps/sheets_sync/sources /tmp/deps/sheets_sync/mail \
    && touch /tmp/deps/README.md /tmp/deps/sheets_sync/__init__.py \
             /tmp/deps/sheets_sync/sources/__init__.py /tmp/deps/sheets_sync/mail/__init__.py \
    && pip install -c /tmp/deps/constraints.txt /tmp/deps \
    && pip uninstall -y sheets-sync \
    && rm -rf /tmp/deps

# The code: a regular (not editable) install, which ships the email templates as package data.
# `pip check` fails the build if the layer above no longer matches pyproject.toml's dependencies.
COPY pyproject.toml README.md /tmp/src/
COPY sheets_sync /tmp/src/sheets_sync
RUN pip install --no-deps /tmp/src \
    && pip check \
    && rm -rf /tmp/src \
    && useradd --uid 10001 --user-group --no-log-init --no-create-home --home-dir /data --shell /usr/sbin/nologin sheets \
    && mkdir -p /config /data \
    && chown 10001:10001 /data

WORKDIR /data
USER 10001:10001
VOLUME ["/data"]

# Healthy while the last successful cycle is at most three polls (plus two minutes) old. The start
# period gives a first cycle on a large sheet time to finish.
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=3 CMD ["sheets-sync", "health"]

# Python is PID 1: the worker's own SIGTERM handler finishes the current cycle and exits 0, well
# within `docker stop`'s 10 s (the loop sleeps in 0.5 s slices between cycles).
ENTRYPOINT ["sheets-sync"]
CMD ["run"]
