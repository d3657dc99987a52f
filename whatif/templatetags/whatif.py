"""{% whatif_panel profile %}: the "Try other amounts" panel for a results page."""

from __future__ import annotations

from typing import Any

from django import template

from whatif.forms import WhatIfForm
from whatif.routing import socket_path
from wizard.models import SpendingProfile

register = template.Library()


@register.inclusion_tag("whatif/_panel.html", takes_context=True)
def whatif_panel(context: template.Context, profile: SpendingProfile) -> dict[str, Any]:
    """The panel prefilled from the saved answer; the ranking appears once something changes."""
    return {
        "profile": profile,
        "form": WhatIfForm.for_profile(profile),
        "socket_url": socket_path(profile.token),
        "csrf_token": context.get("csrf_token"),
        "comparison": None,
        "status": None,
    }
