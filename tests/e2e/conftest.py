from tests.datasets.worker.conftest import clip, import_files  # noqa: F401  (shared fixtures)
