#!/usr/bin/env bash
# Serves the embedded default: web server and a Celery worker; Ctrl-C stops both.
set -euo pipefail
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
# --beat-thread: beat, as a thread of the worker, runs the reaper (sends again the jobs of a worker
# that died) and the retention sweep. --autoscale: up to WORKER_CONCURRENCY pool processes while
# there is work, one at rest.
.venv/bin/celery -A tandem worker --beat-thread -Q media,gpu --autoscale "${WORKER_CONCURRENCY:-2},1" --loglevel INFO &
worker=$!
.venv/bin/gunicorn tandem.wsgi --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-1}" --threads 8 --timeout 120 --graceful-timeout 25 --access-logfile - &
web=$!
# SIGTERM to both: gunicorn lets requests in flight finish, the worker finishes or gives back its job.
trap 'kill $worker $web 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
echo "Tandem is serving on http://$HOST:$PORT/  (Ctrl-C stops the web server and the worker)"
wait -n $worker $web
