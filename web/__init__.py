"""Web helpers shared by the apps: page or htmx partial (`htmx`), database work from async views
(`db`). Not settings: the settings package `creditcard_guru/` imports nothing from here."""
