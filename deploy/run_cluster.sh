#!/usr/bin/env bash
# Start several lossviz processes and nginx on loopback, then run the load test through nginx.
#
#   deploy/run_cluster.sh                                  # 2 processes, 50 sessions, 2 minutes
#   deploy/run_cluster.sh --sessions 10 --duration 20 --ttl 0   # a quick check
#   LOSSVIZ_PROCESSES=3 LOSSVIZ_PORT=9090 deploy/run_cluster.sh
#   LOSSVIZ_BENCH=flood_test.py deploy/run_cluster.sh     # one client floods; the class works?
#   LOSSVIZ_DATABASE_URL=postgresql+psycopg://... deploy/run_cluster.sh   # classes in PostgreSQL
#
# Arguments go to benchmarks/load_test.py (or to the script in benchmarks/ that LOSSVIZ_BENCH
# names). Everything runs from a temporary folder and is stopped on exit; the logs stay
# there. Needs Debian's nginx (installed when missing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROCESSES=${LOSSVIZ_PROCESSES:-2}
BENCH=${LOSSVIZ_BENCH:-load_test.py}
PYTHON=${PYTHON:-python}

free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=${LOSSVIZ_PORT:-$(free_port)}

if ! command -v nginx >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(command -v nginx)

WORK=$(mktemp -d /tmp/lossviz-cluster.XXXXXX)
# nginx workers run as an unprivileged user: they need to reach their temp folders.
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/tmp"
chmod 777 "$WORK/tmp"

PIDS=()
cleanup() {
    "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s quit 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "logs: $WORK"
}
trap cleanup EXIT

# Class mode: the processes share one class store, so a student on one process and the
# teacher on another are in the same class. LOSSVIZ_DATABASE_URL (PostgreSQL) if set, else a
# SQLite file in this run's folder (not the user's data directory).
export LOSSVIZ_DATA_DIR=${LOSSVIZ_DATA_DIR:-$WORK/data}
# One cookie secret for all processes, so any of them accepts the others' XSRF cookies.
SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')
BACKENDS=()
for ((i = 0; i < PROCESSES; i++)); do
    port=$(free_port)
    BACKENDS+=("$port")
    # Started from deploy/ so that Streamlit reads deploy/.streamlit/config.toml.
    # MALLOC_ARENA_MAX=2: every session runs in its own thread, and glibc's per-thread heaps
    # keep what a class freed (41 MB instead of 55 MB above the start after 20 students).
    # OPENBLAS_NUM_THREADS=1: sessions already keep every core busy; numpy's BLAS would add
    # threads of its own to the digits' products (above ~900 images), which doubled their
    # CPU time (361 against 221 ms for the two fits of 1,200 images) for no sooner answer.
    (cd "$ROOT/deploy" && MALLOC_ARENA_MAX=2 OPENBLAS_NUM_THREADS=1 STREAMLIT_SERVER_COOKIE_SECRET=$SECRET PYTHONPATH=$ROOT \
        exec "$PYTHON" -m streamlit run "$ROOT/app.py" \
        --server.port "$port" --server.address 127.0.0.1) >"$WORK/lossviz-$i.log" 2>&1 &
    PIDS+=("$!")
done

for port in "${BACKENDS[@]}"; do
    for _ in $(seq 120); do
        curl -fs "http://127.0.0.1:$port/_stcore/health" >/dev/null && break
        sleep 0.5
    done
    curl -fs "http://127.0.0.1:$port/_stcore/health" >/dev/null \
        || { echo "lossviz on port $port did not start; see $WORK"; exit 1; }
done

# The shipped config with this run's ports: the listen port, and one server line and one
# pin line per process.
servers=""
pins=""
for port in "${BACKENDS[@]}"; do
    servers+="        server 127.0.0.1:$port;\n"
    pins+="        \"127.0.0.1:$port\" 127.0.0.1:$port;\n"
done
sed -e "s/listen 8080;/listen 127.0.0.1:$PORT;/" \
    -e '/^        server 127\.0\.0\.1:[0-9]*;$/d' \
    -e '/^        "127\.0\.0\.1:[0-9]*" 127\.0\.0\.1:[0-9]*;$/d' \
    -e "s/\(# lossviz processes.*\)$/\1\n$servers/" \
    -e "s/\(# pinned processes.*\)$/\1\n$pins/" \
    "$ROOT/deploy/nginx.conf" >"$WORK/nginx.conf"
"$NGINX" -t -q -p "$WORK" -c "$WORK/nginx.conf"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
for _ in $(seq 40); do curl -fs "http://127.0.0.1:$PORT/_stcore/health" >/dev/null && break; sleep 0.25; done

echo "nginx on 127.0.0.1:$PORT -> lossviz on ports ${BACKENDS[*]} (pids ${PIDS[*]})"

# A browser on another machine sends its own Host and Origin; Streamlit accepts the
# websocket only if nginx passes that Host on (loopback origins are always allowed, so the
# load test alone would not notice).
host="lossviz.school.example:$PORT"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
    -H "Host: $host" -H "Origin: http://$host" -H "Connection: Upgrade" -H "Upgrade: websocket" \
    -H "Sec-WebSocket-Version: 13" -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
    -H "Sec-WebSocket-Protocol: streamlit" "http://127.0.0.1:$PORT/_stcore/stream" || true)
if [[ $code == 101 ]]; then
    echo "websocket from a remote origin through nginx: accepted (101)"
else
    echo "websocket from a remote origin through nginx: refused (HTTP $code)"; exit 1
fi
pid_args=()
for pid in "${PIDS[@]}"; do pid_args+=(--pid "$pid"); done
status=0
PYTHONPATH=$ROOT "$PYTHON" "$ROOT/benchmarks/$BENCH" --url "http://127.0.0.1:$PORT" "${pid_args[@]}" "$@" \
    || status=$?

echo
for ((i = 0; i < PROCESSES; i++)); do
    tracebacks=$(grep -c "Traceback" "$WORK/lossviz-$i.log" || true)
    echo "lossviz process $i (port ${BACKENDS[$i]}): $tracebacks tracebacks in its log"
done
echo "nginx errors logged: $(grep -c "\[error\]" "$WORK/logs/error.log" || true)"
exit "$status"
