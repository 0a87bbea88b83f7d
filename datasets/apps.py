from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"

    def ready(self) -> None:
        from common.jobs import register
        from datasets.services.assets import ASSET_JOB

        register(ASSET_JOB)  # the reaper watches assets being processed
