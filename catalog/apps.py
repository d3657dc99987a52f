from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Card catalog"

    def ready(self) -> None:
        # Imported here, not at the top: signal handlers need the models, which need the app
        # registry this method runs after.
        from catalog import signals

        signals.connect()
