"""Response headers the whole site sends: Permissions-Policy, and no-store on personal pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin


class PrivacyHeadersMiddleware(MiddlewareMixin):
    """Adds Permissions-Policy to every response, and Cache-Control: no-store to every page of
    the URL namespaces in settings.PRIVATE_URL_NAMESPACES (they show a person's spending), so
    no browser or shared cache keeps a copy."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        match = getattr(request, "resolver_match", None)
        if match is not None and set(match.namespaces) & set(settings.PRIVATE_URL_NAMESPACES):
            add_never_cache_headers(response)
        return response
