#!/usr/bin/env bash
# Serve linli locally: gunicorn (two workers), the background-task worker and the
# periodic scheduler. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait || true; }
trap cleanup EXIT INT TERM
$PY manage.py db_worker --queue-name '*' >var/worker.log 2>&1 &
pids+=($!)
$PY manage.py run_scheduler >var/scheduler.log 2>&1 &
pids+=($!)
echo "linli is serving on http://$HOST:$PORT/ (Ctrl-C to stop)"
.venv/bin/gunicorn linli.wsgi --bind "$HOST:$PORT" --workers 2 --access-logfile - &
pids+=($!)
wait -n
