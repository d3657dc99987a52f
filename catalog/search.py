"""Searching, filtering and sorting the active cards, and the session's comparison list."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q

from catalog.forms import CARD_ID_RE, MAX_COMPARE, CardFilters
from catalog.models import Card, Issuer

FEE_LIMITS = {"none": Decimal("0"), "100": Decimal("100")}
COMPARE_SESSION_KEY = "catalog_compare"


def issuer_choices() -> list[tuple[str, str]]:
    """Issuers that have at least one active card, for the issuer filter."""
    issuers = Issuer.objects.filter(cards__active=True).distinct().order_by("name")
    return [(issuer.slug, issuer.name) for issuer in issuers]


def search_cards(filters: CardFilters) -> list[Card]:
    """Active cards matching the filters, sorted as asked."""
    cards = Card.objects.active().with_rules()
    for word in filters.q.split()[:10]:
        cards = cards.filter(
            Q(name__icontains=word) | Q(issuer__name__icontains=word) | Q(slug__icontains=word)
        )
    if filters.issuer:
        cards = cards.filter(issuer__slug=filters.issuer)
    if filters.network:
        cards = cards.filter(network=filters.network)
    if filters.kind:
        cards = cards.filter(currency__kind=filters.kind)
    if filters.fee in FEE_LIMITS:
        cards = cards.filter(annual_fee__lte=FEE_LIMITS[filters.fee])
    if filters.credit:
        cards = cards.filter(credit__in=filters.credit_bands())
    if filters.card_type:
        cards = cards.filter(business=filters.card_type == "business")

    # Rates live in the rules, so "strong in" and "best rate" are decided in Python over the
    # (prefetched) active cards: a few hundred rows at most.
    result = list(cards.order_by("name", "slug"))
    if filters.strong:
        result = [card for card in result if card.is_strong_in(filters.strong)]
    if filters.sort == "fee":
        result.sort(key=lambda card: card.annual_fee)
    elif filters.sort == "rate" and filters.strong:
        result.sort(key=lambda card: card.return_in(filters.strong), reverse=True)
    return result


def compare_selection(session: SessionBase) -> list[str]:
    """The card ids this visitor picked for comparison (tamper-proof: ids only, at most 3)."""
    stored = session.get(COMPARE_SESSION_KEY)
    if not isinstance(stored, list):
        return []
    ids = [item for item in stored if isinstance(item, str) and CARD_ID_RE.match(item)]
    return ids[:MAX_COMPARE]


def set_compare_selection(session: SessionBase, ids: list[str]) -> None:
    if compare_selection(session) != ids:
        session[COMPARE_SESSION_KEY] = ids[:MAX_COMPARE]


def selected_cards(ids: list[str]) -> list[Card]:
    """The selected cards that still exist, in the order they were picked."""
    by_slug = {card.slug: card for card in Card.objects.filter(slug__in=ids).with_rules()}
    return [by_slug[card_id] for card_id in ids if card_id in by_slug]
