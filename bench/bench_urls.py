"""Bench-only URLs: `/__bench/hello` through the full middleware stack, then the real site."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from creditcard_guru.urls import urlpatterns as site_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    """The baseline: the least a Django view can do."""
    return HttpResponse("hello")


urlpatterns = [path("__bench/hello", hello), *site_urlpatterns]
