from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"

    def ready(self) -> None:
        from annotation.services.jobs import EXPORT_JOB, PRELABEL_JOB
        from common.jobs import register

        register(EXPORT_JOB)  # the reaper watches running exports and pre-label runs
        register(PRELABEL_JOB)
