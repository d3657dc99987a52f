"""The answer fragments of the panel, for the socket and the page alike."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse

from whatif.compare import Comparison, dollars
from whatif.forms import WhatIfForm
from wizard.models import SpendingProfile

PANEL = "whatif/_panel.html"


def render_fragment(name: str, context: dict[str, Any]) -> str:
    """One named partial of the panel.

    The socket renders on the event loop: about a millisecond, less than the hand-off to a
    thread and back costs while the engine's threads hold the GIL.
    """
    return render_to_string(f"{PANEL}#{name}", context)


def status_only(words: str, *, problem: bool = False) -> dict[str, Any]:
    """An answer that only changes the status line (the last ranking stays on the page)."""
    return {"status": words, "problem": problem, "comparison": None, "amounts": None}


@lru_cache(maxsize=1024)
def _card_href(prefix: str, card_id: str) -> str:
    # `prefix` is only part of the cache key: reverse() reads the script prefix itself.
    return reverse("catalog:card-detail", args=[card_id])


def card_href(card_id: str) -> str:
    """A card's page. Reversed once per card: `{% url %}` for each card of each listed wallet
    was a third of the answer's rendering time."""
    return _card_href(get_script_prefix(), card_id)


def shown_groups(comparison: Comparison) -> list[dict[str, Any]]:
    """The comparison's groups for the template, each wallet with its cards' links."""
    return [
        {
            "size": group.size,
            "compared": group.compared,
            "dropped": group.dropped,
            "wallets": [
                (wallet, [(card_href(id), name) for id, name in wallet.cards])
                for wallet in group.wallets
            ],
        }
        for group in comparison.groups
    ]


def invalid_context(form: WhatIfForm) -> dict[str, Any]:
    """Amounts that do not validate: say what is wrong; the last good ranking stays."""
    words = "Check the amounts: " + " ".join(form.error_words())
    return {**status_only(words, problem=True), "unsaveable": True}


def answer_context(
    profile: SpendingProfile, form: WhatIfForm, comparison: Comparison
) -> dict[str, Any]:
    """The new ranking, the status line and the save form for valid amounts."""
    total = form.monthly_total()
    saved_total = profile.monthly_total()
    changed = form.spend() != profile.spend() or form.wallet_size != profile.wallet_size
    if changed:
        words = f"At {dollars(total)} a month, against your saved {dollars(saved_total)}."
    else:
        words = f"Your saved amounts: {dollars(total)} a month."
    return {
        "status": words,
        "problem": False,
        "comparison": comparison,
        "groups": shown_groups(comparison),
        "amounts": form.amounts() if changed else None,
    }
