"""Web helpers shared by the apps: page or htmx partial (`htmx`), database work from async views
(`db`), request body limits (`bodylimit`), headers, logs and client addresses. Not settings: the
settings package `creditcard_guru/` imports nothing from here."""
