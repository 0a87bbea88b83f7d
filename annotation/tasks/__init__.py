"""Celery tasks of the annotation app (autodiscovered through this package)."""

from annotation.tasks.exports import *  # noqa: F403
from annotation.tasks.prelabel import *  # noqa: F403
from annotation.tasks.retention import *  # noqa: F403
