"""Settings of the two-host test (tests/deploy/test_two_hosts.py): production's, with routes to queues of its own.

Exports go to a queue of their own here so the test can say which host builds them: worker B
serves ``two-hosts-media`` (media processing), worker A serves ``two-hosts-exports``.
"""

from tandem.settings import *  # noqa: F403

MEDIA_QUEUE = "two-hosts-media"
EXPORTS_QUEUE = "two-hosts-exports"
CELERY_TASK_ROUTES = {
    "datasets.tasks.*": {"queue": MEDIA_QUEUE},
    "annotation.tasks.exports.*": {"queue": EXPORTS_QUEUE},
    "annotation.tasks.prelabel.*": {"queue": MEDIA_QUEUE},
    "qa.tasks.*": {"queue": MEDIA_QUEUE},
}
CELERY_TASK_DEFAULT_QUEUE = MEDIA_QUEUE
