#!/usr/bin/env bash
# Serves the embedded default: web server and a Celery worker; Ctrl-C stops both.
set -euo pipefail
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
# -B: beat in the worker runs the reaper, which sends again the jobs of a worker that died.
.venv/bin/celery -A tandem worker -B -Q media,gpu -c 2 --loglevel INFO &
worker=$!
.venv/bin/gunicorn tandem.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 --timeout 120 --graceful-timeout 25 --access-logfile - &
web=$!
# SIGTERM to both: gunicorn lets requests in flight finish, the worker finishes or gives back its job.
trap 'kill $worker $web 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
echo "Tandem is serving on http://$HOST:$PORT/  (Ctrl-C stops the web server and the worker)"
wait -n $worker $web
