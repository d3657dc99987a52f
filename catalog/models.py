"""The card catalog: currencies, issuers, cards and their earn rules, bonuses and credits.

The catalog file (docs/design.md section 6) is the public format; these tables hold the same data so
editors can work in the admin. `catalog.io` converts between the two, and
`rewards.catalog.parse_catalog` is the one validator both the import and the admin run.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from rewards.catalog import CREDIT_BANDS
from rewards.categories import expand
from web.db import RowByField

ZERO = Decimal("0")
non_negative = MinValueValidator(ZERO)

# The same id patterns as the catalog format (rewards.catalog), so the admin refuses an id the
# import would refuse, field by field, before the whole-card check runs.
card_id_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z",
    "Use lowercase letters, digits and single hyphens between them, e.g. chase-freedom-flex.",
)
# /cards/compare/ is a page of its own: a card with that id could never be opened.
RESERVED_CARD_IDS = frozenset({"compare"})


def not_a_reserved_card_id(value: str) -> None:
    if value in RESERVED_CARD_IDS:
        raise ValidationError(
            "“%(value)s” is the address of another page on the site; choose another id.",
            params={"value": value},
        )


currency_id_validator = RegexValidator(
    r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\Z",
    "Use lowercase letters and digits, with single hyphens or underscores between them.",
)
cap_id_validator = RegexValidator(
    r"^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*\Z",
    "Use letters and digits, with single hyphens or underscores between them.",
)

# A card whose terms were last checked longer ago than this is stale: the card page, the admin
# and catalog_audit say so. A bonus changes more often: its check goes stale sooner.
STALE_AFTER = timedelta(days=180)
BONUS_STALE_AFTER = timedelta(days=60)


class Period(models.TextChoices):
    MONTH = "month", "month"
    QUARTER = "quarter", "quarter"
    YEAR = "year", "year"


class Network(models.TextChoices):
    VISA = "visa", "Visa"
    MASTERCARD = "mastercard", "Mastercard"
    AMEX = "amex", "American Express"
    DISCOVER = "discover", "Discover"


# The one credit-band vocabulary: the engine's bands (rewards.catalog.CREDIT_BANDS, best first),
# with the words people see; cards (recommended credit), profiles and filters all use it.
_CREDIT_BAND_LABELS = {
    "excellent": "Excellent (740+)",
    "good": "Good (670–739)",
    "fair": "Fair (580–669)",
    "limited": "Limited or no credit history",
}
CreditBand = models.TextChoices(
    "CreditBand", [(band.upper(), (band, _CREDIT_BAND_LABELS[band])) for band in CREDIT_BANDS]
)

# Lower index = easier to get; a person with band X qualifies for cards needing X or any later band.
CREDIT_ORDER: tuple[str, ...] = tuple(reversed(CREDIT_BANDS))


class CatalogVersion(models.Model):
    """One row whose value changes whenever any catalog row changes (cache key for results)."""

    value = models.CharField(max_length=40)
    counter = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "catalog version"

    def __str__(self) -> str:
        return self.value

    @staticmethod
    def _new_value(counter: int) -> str:
        # The random part keeps values unique even across databases that were reset.
        return f"{counter}-{secrets.token_hex(6)}"

    @classmethod
    def current(cls) -> str:
        """The catalog's version right now."""
        # Read on every cached page: the SQL is compiled once (web/db.py, RowByField).
        row = _version_row.get(1)
        if row is not None:
            return row.value
        row_obj, _ = cls.objects.get_or_create(pk=1, defaults={"value": cls._new_value(0)})
        return row_obj.value

    @classmethod
    def bump(cls) -> str:
        """Give the catalog a new version; runs inside the caller's transaction."""
        counter = (cls.objects.filter(pk=1).values_list("counter", flat=True).first() or 0) + 1
        value = cls._new_value(counter)
        cls.objects.update_or_create(
            pk=1, defaults={"value": value, "counter": counter, "changed_at": timezone.now()}
        )
        return value


_version_row: RowByField[CatalogVersion] = RowByField(CatalogVersion, "pk")


class Currency(models.Model):
    """A reward currency; `cash` is one too (1 point = 1 cent)."""

    class Kind(models.TextChoices):
        CASH = "cash", "Cash back"
        POINTS = "points", "Points"
        MILES = "miles", "Miles"

    code = models.CharField(
        "id",
        max_length=50,
        unique=True,
        validators=[currency_id_validator],
        help_text="The currency's id in the catalog file, e.g. chase_ur.",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    cents_per_point = models.DecimalField(max_digits=8, decimal_places=4, validators=[non_negative])
    # Order in the catalog file, so an export reproduces it.
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.position:
            self.position = _next_position(Currency.objects.all())
        super().save(*args, **kwargs)


class Issuer(models.Model):
    """A bank; the catalog file names it by its display name."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True, editable=False)
    # Order of the issuers (with rules) in the catalog file, so an export reproduces it.
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = _unique_slug(self.name, Issuer.objects.exclude(pk=self.pk))
        super().save(*args, **kwargs)


class CardQuerySet(models.QuerySet["Card"]):
    def active(self) -> CardQuerySet:
        """Cards currently offered (in the last imported file or switched on by an editor)."""
        return self.filter(active=True)

    def with_rules(self) -> CardQuerySet:
        """Everything a card page shows, in a fixed number of queries."""
        return self.select_related("issuer", "currency", "bonus").prefetch_related(
            "rules", "credits", "shared_caps", "evidence", "unconfirmed"
        )


class Card(models.Model):
    """One credit card and its fees; its rules, caps, bonus and credits hang off it."""

    slug = models.CharField(
        "id",
        max_length=100,
        unique=True,
        validators=[card_id_validator, not_a_reserved_card_id],
        help_text="The card's id in the catalog file and in URLs, e.g. amex-blue-cash-preferred.",
    )
    name = models.CharField(max_length=200)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="cards")
    network = models.CharField(max_length=12, choices=Network.choices)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="cards")
    annual_fee = models.DecimalField(max_digits=9, decimal_places=2, validators=[non_negative])
    first_year_fee = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[non_negative],
        help_text="Leave empty when the first year costs the same as the annual fee.",
    )
    foreign_fee_pct = models.DecimalField(
        "foreign transaction fee (%)",
        max_digits=6,
        decimal_places=3,
        default=ZERO,
        validators=[non_negative],
    )
    credit = models.CharField(
        "recommended credit", max_length=10, choices=CreditBand.choices, default=CreditBand.GOOD
    )
    business = models.BooleanField(default=False)
    base_rate = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        validators=[non_negative],
        help_text="Points per dollar on everything no rule covers.",
    )
    family = models.CharField(
        max_length=100,
        blank=True,
        validators=[card_id_validator],
        help_text="Bonus family (e.g. chase-sapphire), for issuers' one-bonus-per-family rules.",
    )
    status = models.CharField(
        max_length=6,
        choices=[("open", "Open to new applicants"), ("closed", "Closed to new applicants")],
        default="open",
        help_text="Closed cards stay in the catalog, marked, and are never recommended.",
    )
    status_confirmed_on = models.DateField(
        null=True, blank=True, help_text="The day the status was last confirmed."
    )
    source_url = models.URLField(max_length=500)
    verified_on = models.DateField(help_text="The day someone checked these terms at the source.")
    # The card's file entry as it was when last verified (imported, or marked verified in the
    # admin): what "mark verified today" compares against to find the fields that changed.
    verified_facts = models.JSONField(null=True, blank=True, editable=False)
    active = models.BooleanField(
        default=True,
        help_text="Inactive cards are kept for history but not shown or recommended.",
    )
    position = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:card-detail", args=[self.slug])

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.position:
            self.position = _next_position(Card.objects.all())
        super().save(*args, **kwargs)

    def get_bonus(self) -> Bonus | None:
        """The sign-up bonus, or None (the reverse one-to-one raises when there is none)."""
        try:
            return self.bonus
        except Bonus.DoesNotExist:
            return None

    def verification_is_stale(self, today: date | None = None) -> bool:
        """True when the terms were last checked more than 180 days ago."""
        return self.verified_on < (today or timezone.localdate()) - STALE_AFTER

    def days_since_check(self, today: date | None = None) -> int:
        return ((today or timezone.localdate()) - self.verified_on).days

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def rate_in(self, category: str) -> Decimal:
        """The best headline rate (points per dollar) the card earns in one category or group."""
        leaves = expand([category])
        best = self.base_rate
        for rule in self.rules.all():
            if set(leaves) & set(rule.leaf_categories()):
                best = max(best, rule.rate)
        return best

    def return_in(self, category: str) -> Decimal:
        """The best headline return in cents per dollar (= percent back) in a category."""
        return self.rate_in(category) * self.currency.cents_per_point

    def is_strong_in(self, category: str) -> bool:
        """True when some rule pays more than the base rate in the category."""
        return self.rate_in(category) > self.base_rate


class SharedCap(models.Model):
    """A cap that several rules of one card count against together."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="shared_caps")
    key = models.CharField(
        "id",
        max_length=50,
        validators=[cap_id_validator],
        help_text="Rules name this id as their cap.",
    )
    amount = models.DecimalField(max_digits=11, decimal_places=2, validators=[non_negative])
    per = models.CharField(max_length=7, choices=Period.choices)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["card", "key"], name="catalog_shared_cap_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class EarnRule(models.Model):
    """Categories earning `rate` points per dollar, optionally up to a cap per period."""

    class Pick(models.TextChoices):
        CARDHOLDER = "", "Cardholder chooses"
        TOP = "top", "Top category each period (automatic)"

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(default=0)
    # Ordered lists of category ids as in the file; empty when the rule rotates.
    categories = models.JSONField(default=list, blank=True)
    # {"Q1": [...], ..., "Q4": [...]} for quarterly rotating categories, else null.
    rotating = models.JSONField(null=True, blank=True)
    rate = models.DecimalField(max_digits=8, decimal_places=4, validators=[non_negative])
    cap_amount = models.DecimalField(
        max_digits=11, decimal_places=2, null=True, blank=True, validators=[non_negative]
    )
    cap_per = models.CharField(max_length=7, choices=Period.choices, blank=True)
    cap_key = models.CharField(
        "shared cap",
        max_length=50,
        blank=True,
        help_text="The id of one of the card's shared caps, instead of a cap of its own.",
    )
    choose = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The cardholder picks this many of the categories."
    )
    pick = models.CharField(max_length=3, choices=Pick.choices, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        rate = format(self.rate.normalize(), "f") if isinstance(self.rate, Decimal) else self.rate
        return f"{rate}x on {', '.join(self.category_names()) or 'no categories yet'}"

    def clean(self) -> None:
        # Field-level versions of the format's rule checks, so the admin can point at the field;
        # the whole-card check (rewards.catalog) still runs before anything is saved.
        errors: dict[str, str] = {}
        if (self.cap_amount is None) != (not self.cap_per):
            field = "cap_per" if self.cap_amount is not None else "cap_amount"
            errors[field] = "A cap needs both an amount and a period."
        if self.cap_key and (self.cap_amount is not None or self.cap_per):
            errors["cap_key"] = "Use either a cap of the rule's own or a shared cap, not both."
        if self.pick and not self.choose:
            errors["choose"] = "“Top category” rules need choose (usually 1)."
        if errors:
            raise ValidationError(errors)

    def category_names(self) -> list[str]:
        """The categories as written: the list, or every category of the rotating calendar."""
        if self.rotating:
            names: list[str] = []
            for quarter in self.rotating.values():
                names.extend(name for name in quarter if name not in names)
            return names
        return list(self.categories or [])

    def leaf_categories(self) -> tuple[str, ...]:
        """Leaf categories this rule can ever pay its rate on."""
        return expand([name for name in self.category_names() if isinstance(name, str)])


class Bonus(models.Model):
    """A sign-up bonus: points after a minimum spend within some months of opening."""

    card = models.OneToOneField(Card, on_delete=models.CASCADE, related_name="bonus")
    points = models.PositiveIntegerField()
    min_spend = models.DecimalField(max_digits=11, decimal_places=2, validators=[non_negative])
    months = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "sign-up bonus"
        verbose_name_plural = "sign-up bonuses"

    def __str__(self) -> str:
        return f"{self.points:,} points"


class Credit(models.Model):
    """A recurring statement credit, e.g. $84 a year for streaming."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="credits")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=9, decimal_places=2, validators=[non_negative])
    per = models.CharField(max_length=7, choices=Period.choices, default=Period.YEAR)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class IssuerRule(models.Model):
    """One application or bonus rule of an issuer (kinds: rewards.evidence.ISSUER_RULE_KINDS)."""

    class Kind(models.TextChoices):
        RECENT_CARDS = "recent_cards", "Recently opened cards, all issuers"
        ISSUER_GAP = "issuer_gap", "Gap between two new cards of this issuer"
        ISSUER_LIMIT = "issuer_limit", "New cards of this issuer in a window"
        BONUS_ONCE = "bonus_once", "Bonus once per card or family"

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    max = models.PositiveSmallIntegerField(null=True, blank=True)
    months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty for a once-per-lifetime bonus rule."
    )
    counts_business = models.BooleanField(null=True, blank=True)
    personal_only = models.BooleanField(null=True, blank=True)
    scope = models.CharField(
        max_length=6, blank=True, choices=[("card", "per card"), ("family", "per card family")]
    )
    family = models.CharField(
        max_length=60,
        blank=True,
        help_text="Only the issuer's cards of this bonus family (e.g. chase-sapphire); "
        "empty: every card of the issuer.",
    )
    note = models.TextField(max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.issuer}: {self.get_kind_display()}"


class Evidence(models.Model):
    """A source for facts of a card (or for an issuer rule): page, its date, a short quote."""

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="evidence", null=True, blank=True
    )
    issuer_rule = models.ForeignKey(
        IssuerRule, on_delete=models.CASCADE, related_name="evidence", null=True, blank=True
    )
    position = models.PositiveIntegerField(default=0)
    # Field names as in the file: ["annual_fee", "first_year_fee"], ["rules[2]"]...
    fields = models.JSONField(default=list, blank=True)
    source_url = models.URLField(max_length=500)
    source_date = models.CharField(
        max_length=10, blank=True, help_text="The page's own date (YYYY-MM-DD or YYYY-MM), if any."
    )
    quote = models.CharField(max_length=200, help_text="The words on the page that state the fact.")
    note = models.TextField(max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(card__isnull=False, issuer_rule__isnull=True)
                | models.Q(card__isnull=True, issuer_rule__isnull=False),
                name="catalog_evidence_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.fields) or 'rule'}: {self.source_url}"


class Unconfirmed(models.Model):
    """Facts of a card that no source supports, and why; the card page says "not confirmed"."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="unconfirmed")
    position = models.PositiveIntegerField(default=0)
    fields = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "unconfirmed fact"

    def __str__(self) -> str:
        return f"{', '.join(self.fields)}: {self.reason}"


class ProblemReport(models.Model):
    """A visitor's report that a card's page is wrong; editors read it, it changes nothing."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        HANDLED = "handled", "Handled"
        DISMISSED = "dismissed", "Dismissed"

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="problem_reports")
    fact = models.CharField(max_length=20)
    seen = models.TextField("what they saw", max_length=1000)
    link = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # A keyed hash of the reporter's address, for the rate limit; the address is not stored.
    address_hash = models.CharField(max_length=64, db_index=True, editable=False)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.NEW)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.card}: {self.fact} ({self.created_at:%Y-%m-%d})"


CATALOG_MODELS: tuple[type[models.Model], ...] = (
    Currency,
    Issuer,
    Card,
    SharedCap,
    EarnRule,
    Bonus,
    Credit,
    IssuerRule,
    Evidence,
    Unconfirmed,
)


def _next_position(queryset: models.QuerySet[Any]) -> int:
    last = queryset.aggregate(models.Max("position"))["position__max"]
    return 0 if last is None else last + 1


def _unique_slug(name: str, others: models.QuerySet[Any]) -> str:
    base = slugify(name)[:120] or "issuer"
    slug, n = base, 2
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
