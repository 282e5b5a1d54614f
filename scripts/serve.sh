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
# The access log leaves out query strings (%(U)s is the path alone): a filter's
# parameters are nobody's personal data by design, but the log is no place to find out.
.venv/bin/gunicorn linli.wsgi --bind "$HOST:$PORT" --workers 2 --access-logfile - \
  --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms' &
pids+=($!)
wait -n
