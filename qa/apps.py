from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"

    def ready(self) -> None:
        from qa import receivers  # noqa: F401  (connects to annotation's signals)
