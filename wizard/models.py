"""A visitor's saved wizard answers, reachable by an unguessable token."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone

from catalog.models import CreditBand
from rewards.catalog import Catalog
from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from rewards.options import Options
from web.db import RowByField
from wizard.engine_input import EngineInput

# Far above any household's monthly spend in one category, low enough to catch typos and abuse.
MAX_MONTHLY_SPEND = Decimal("1000000")


def new_token() -> str:
    """A random URL-safe token (128 bits) naming one profile."""
    return secrets.token_urlsafe(16)


# The session remembers which profile the visitor is filling in.
SESSION_KEY = "wizard_profile_token"


class SpendingProfileQuerySet(models.QuerySet["SpendingProfile"]):
    def for_session(self, session: SessionBase) -> SpendingProfile | None:
        """The profile this browser session is working on, if any."""
        token = session.get(SESSION_KEY)
        if not isinstance(token, str):
            return None
        return self.model.with_token(token)

    def for_session_or_new(self, session: SessionBase) -> SpendingProfile:
        """The session's profile, or a new unsaved one that `bind_to_session` will remember."""
        return self.for_session(session) or self.model()

    def spend_for_session(self, session: SessionBase) -> dict[str, Decimal]:
        """`for_session_or_new(session).spend()`, reading only the spend column: step 1 shows
        nothing else of the profile, and decoding the other columns was a sixth of its cost.

        The site's session store (wizard/sessions.py) reads the profile's spend in the same
        statement as the session: when it did, for this very token, that read is used (once)
        and nothing more is read."""
        token = session.get(SESSION_KEY)
        if not isinstance(token, str):
            return spend_of(None)
        take = getattr(session, "take_profile_spend", None)
        read_with_session = take(token) if take is not None else None
        if read_with_session is not None:
            return spend_of(read_with_session.monthly_spend())
        row = _spend_by_token.values(token)
        return spend_of(row["monthly_spend"] if row is not None else None)

    def older_than(self, days: int) -> SpendingProfileQuerySet:
        """Profiles nobody has changed for more than `days` days."""
        return self.filter(updated_at__lt=timezone.now() - timedelta(days=days))


class BrowserSession(AbstractBaseSession):
    """A browser's session: Django's database session row, plus the token of the profile the
    session is filling in (`SESSION_KEY` in its data) as a column of its own, kept in step with
    the data on every save by the session store (wizard/sessions.py). With it, step 1 reads the
    session and that profile's answers in one statement instead of two (issue 14). "" when the
    session names no profile."""

    profile_token = models.CharField(max_length=32, blank=True, default="")

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        # Imported here as Django's own Session model does: the store imports this model.
        from wizard.sessions import SessionStore

        return SessionStore


class SpendingProfile(models.Model):
    """Monthly spend per category plus preferences; saved at every wizard step."""

    class RankBy(models.TextChoices):
        ONGOING = "ongoing", "Ongoing value (every year)"
        YEAR_ONE = "year_one", "First-year value (with sign-up bonuses)"

    class RewardKind(models.TextChoices):
        ANY = "any", "Any kind"
        CASH = "cash", "Cash back"
        POINTS = "points", "Points"
        MILES = "miles", "Miles"

    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    # {category id: monthly dollars as a decimal string}; only categories with spend are kept.
    monthly_spend = models.JSONField(default=dict, blank=True)
    spending_saved = models.BooleanField(default=False)

    wallet_size = models.PositiveSmallIntegerField(default=3)
    rank_by = models.CharField(max_length=10, choices=RankBy.choices, default=RankBy.ONGOING)
    max_annual_fee = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    credit_band = models.CharField(
        max_length=10, choices=CreditBand.choices, default=CreditBand.GOOD
    )
    reward_kind = models.CharField(max_length=6, choices=RewardKind.choices, default=RewardKind.ANY)
    excluded_issuers = models.JSONField(default=list, blank=True)
    include_business = models.BooleanField(default=False)
    held_cards = models.JSONField(default=list, blank=True)
    # {currency id: cents per point as a decimal string}; only values that differ from defaults.
    cents_per_point = models.JSONField(default=dict, blank=True)
    count_credits = models.BooleanField(default=False)
    preferences_saved = models.BooleanField(default=False)
    # Set once results were shown: the permalink must keep reproducing them, so later edits
    # go to a copy with a new token instead.
    results_shown_at = models.DateTimeField(null=True, blank=True)
    # `fingerprint()` as of the last save (`save` keeps it; "" in rows saved before it existed):
    # a cached results page is found by it and the token in one small read, without decoding
    # the answers (results/cache.py, `page_identity`).
    inputs_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpendingProfileQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"Spending profile {self.token[:6]}…"

    def save(
        self,
        *,
        force_insert: bool = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """Save, keeping `inputs_fingerprint` in step with the answers (also in a partial save)."""
        self.inputs_fingerprint = self.fingerprint()
        if update_fields is not None:
            update_fields = {*update_fields, "inputs_fingerprint"}
        super().save(
            force_insert=force_insert,
            force_update=force_update,
            using=using,
            update_fields=update_fields,
        )

    def page_fingerprint(self) -> str:
        """The fingerprint cached results pages are keyed by: the saved one where there is
        one (what `page_identity` reads), else computed from the answers."""
        return self.inputs_fingerprint or self.fingerprint()

    @classmethod
    def with_token(cls, token: str) -> SpendingProfile | None:
        """The profile behind a results link or a session, or None (read on every page that
        shows one, with its SQL compiled once: web/db.py, RowByField)."""
        return _by_token.get(token)

    def bind_to_session(self, session: SessionBase) -> None:
        """Remember this (saved) profile as the one the session is filling in."""
        session[SESSION_KEY] = self.token

    def editable_copy(self) -> SpendingProfile:
        """This profile itself, or an unsaved copy with a new token if its results were shown."""
        if self.results_shown_at is None:
            return self
        return self._unsaved_copy()

    def _unsaved_copy(self) -> SpendingProfile:
        copy = SpendingProfile.objects.get(pk=self.pk)
        copy.pk = None
        copy.token = new_token()
        copy.results_shown_at = None
        copy._state.adding = True
        return copy

    def opened_from_link(self, session: SessionBase) -> SpendingProfile:
        """The answers a visitor who followed this profile's link may change: the profile
        itself only if this session is already filling it in, else a saved copy under a new
        token. A link shows results; it never lets anyone else change the answers behind it."""
        if session.get(SESSION_KEY) == self.token:
            return self
        copy = self._unsaved_copy()
        copy.save()
        return copy

    def engine_inputs(self) -> dict[str, object]:
        """Everything the engine's answer depends on, in a canonical JSON-able form."""
        return {
            "spend": {k: str(v) for k, v in self.spend().items() if v > 0},
            "wallet_size": self.wallet_size,
            "rank_by": self.rank_by,
            "max_annual_fee": None if self.max_annual_fee is None else str(self.max_annual_fee),
            "credit_band": self.credit_band,
            "reward_kind": self.reward_kind,
            "excluded_issuers": sorted(self.excluded_issuers or []),
            "include_business": self.include_business,
            "held_cards": sorted(self.held_cards or []),
            "cents_per_point": dict(sorted((self.cents_per_point or {}).items())),
            "count_credits": self.count_credits,
        }

    def engine_input(self, catalog: Catalog, *, top_n: int) -> EngineInput:
        """The answers as the engine's frozen input, against the catalog it will search.

        Held cards and point values naming something the catalog no longer has (a card retired
        since the answers were saved) are left out rather than failing the whole search.
        """
        currency_ids = {currency.id for currency in catalog.currencies}
        options = Options(
            wallet_sizes=tuple(range(1, self.wallet_size + 1)),
            top_n=top_n,
            rank="year_one" if self.rank_by == self.RankBy.YEAR_ONE else "ongoing",
            held=tuple(card for card in self.held_cards or () if card in catalog.cards_by_id),
            cents_per_point={
                code: Decimal(value)
                for code, value in (self.cents_per_point or {}).items()
                if code in currency_ids
            },
            max_annual_fee=self.max_annual_fee,
            # Plain str, not the TextChoices members a profile made in Python holds: the input
            # is pickled into a spawned engine process, which has no Django to unpickle them.
            credit_band=None if self.credit_band is None else str(self.credit_band),
            excluded_issuers=frozenset(self.excluded_issuers or ()),
            include_business=self.include_business,
            reward_kinds=None if self.reward_kind == "any" else frozenset({str(self.reward_kind)}),
            count_credits=self.count_credits,
        )
        return EngineInput(spend=self.spend(), options=options)

    def fingerprint(self) -> str:
        """A hash of the engine inputs: cached results are valid while it is unchanged."""
        canonical = json.dumps(self.engine_inputs(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def spend(self) -> dict[str, Decimal]:
        """Monthly spend for every leaf category (0 where nothing was entered)."""
        return spend_of(self.monthly_spend)

    def set_spend(self, spend: dict[str, Decimal]) -> None:
        """Store monthly spend, keeping only known categories with a positive amount."""
        self.monthly_spend = {
            category: str(spend[category].quantize(Decimal("0.01")))
            for category in LEAF_CATEGORIES
            if spend.get(category) and spend[category] > 0
        }
        self.spending_saved = True

    def spend_rows(self) -> list[dict[str, object]]:
        """Categories with spend, in wizard order, with monthly and yearly amounts."""
        return [
            {
                "category": category,
                "label": CATEGORY_LABELS[category],
                "monthly": amount,
                "yearly": amount * 12,
            }
            for category, amount in self.spend().items()
            if amount > 0
        ]

    def preference_rows(self, card_names: dict[str, str]) -> list[tuple[str, str]]:
        """The preferences in plain words, for the review step."""
        fee = (
            "No limit"
            if self.max_annual_fee is None
            else "No-fee cards only"
            if self.max_annual_fee == 0
            else f"Up to ${self.max_annual_fee:,.0f}"
        )
        held = [card_names.get(card_id, card_id) for card_id in self.held_cards or []]
        cpp = ", ".join(f"{code} {value}¢" for code, value in sorted(self.cents_per_point.items()))
        return [
            ("Wallet", "1 card" if self.wallet_size == 1 else f"Up to {self.wallet_size} cards"),
            ("Rank by", self.get_rank_by_display()),
            ("Your credit", self.get_credit_band_display()),
            ("Annual fee", fee),
            ("Rewards", self.get_reward_kind_display()),
            ("Business cards", "Included" if self.include_business else "Left out"),
            ("Statement credits", "Counted" if self.count_credits else "Not counted"),
            ("Issuers left out", ", ".join(self.excluded_issuers) or "None"),
            ("Cards you have", ", ".join(held) or "None"),
            ("Point values", cpp or "Our defaults"),
        ]

    def spending_categories(self) -> list[str]:
        """Categories with spend, in wizard order."""
        return [category for category, amount in self.spend().items() if amount > 0]

    def monthly_total(self) -> Decimal:
        """Total monthly spend across categories."""
        return sum(self.spend().values(), Decimal("0"))

    def has_spending(self) -> bool:
        """True once the person has entered some spend."""
        return self.monthly_total() > 0


def spend_of(monthly_spend: dict[str, object] | None) -> dict[str, Decimal]:
    """A profile's stored `monthly_spend` as monthly spend for every leaf category (0 where
    nothing was entered; anything not a finite positive amount of a known category is 0)."""
    spend = {category: Decimal("0") for category in LEAF_CATEGORIES}
    for category, amount in (monthly_spend or {}).items():
        if category not in spend:
            continue
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            continue
        if value.is_finite() and value > 0:
            spend[category] = value
    return spend


_by_token: RowByField[SpendingProfile] = RowByField(SpendingProfile, "token")
_spend_by_token: RowByField[SpendingProfile] = RowByField(
    SpendingProfile, "token", only=("monthly_spend",)
)
