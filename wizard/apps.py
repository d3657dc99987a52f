from django.apps import AppConfig
from django.core import checks


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "Spending wizard"

    def ready(self) -> None:
        # Imported here: the check reads the import views, which need the app registry ready.
        from wizard.checks import body_limit_fits_the_largest_import

        checks.register(body_limit_fits_the_largest_import)
