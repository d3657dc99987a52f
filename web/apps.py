from django.apps import AppConfig

from web import csrf


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Shared web helpers"

    def ready(self) -> None:
        csrf.install()
