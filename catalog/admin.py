"""The catalog editors' admin: a card with its rules, caps, bonus and credits on one page.

Field validators catch single bad values; before anything is saved, the whole card (with its
inlines as submitted) goes through `rewards.catalog.parse_catalog`, the validator the import
uses, so the admin cannot store a card the import would reject.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from catalog.audit import audit
from catalog.engine_catalog import load_full_catalog
from catalog.forms import AdminCalendarField, AdminCommaListField
from catalog.io import FORMAT, card_problems, card_to_raw, currency_to_raw, issuer_rule_problems
from catalog.models import (
    STALE_AFTER,
    Bonus,
    Card,
    CatalogVersion,
    Credit,
    Currency,
    EarnRule,
    Evidence,
    Issuer,
    IssuerRule,
    ProblemReport,
    SharedCap,
    Unconfirmed,
)
from catalog.verification import mark_verified
from rewards.catalog import CatalogError, parse_catalog

_PART_LABELS = {
    "rules": "Earn rule",
    "shared_caps": "Shared cap",
    "credits": "Credit",
    "evidence": "Evidence",
    "unconfirmed": "Unconfirmed fact",
}
_PART_RE = re.compile(r"^(rules|shared_caps|credits|evidence|unconfirmed)\[(\d+)\]\.?")


def humanize_problem(field_path: str, reason: str) -> str:
    """ "rules[0].cap: unknown shared cap 'x'" → "Earn rule 1, cap: unknown shared cap 'x'"."""
    match = _PART_RE.match(field_path)
    if match:
        label = f"{_PART_LABELS[match.group(1)]} {int(match.group(2)) + 1}"
        rest = field_path[match.end() :]
        where = f"{label}, {rest}" if rest else label
    else:
        where = field_path.replace("_", " ") or "Card"
    return f"{where}: {reason}"


# --- inlines -------------------------------------------------------------------------------


class CardPartFormSet(BaseInlineFormSet):
    """An inline formset that knows its sibling formsets on the same card page."""

    def __init__(self, *args: Any, siblings: list[CardPartFormSet] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.siblings = siblings if siblings is not None else [self]
        if self not in self.siblings:
            self.siblings.append(self)

    def kept_instances(self) -> list[Any]:
        """The rows as they will be after saving: filled-in forms not marked for deletion."""
        kept = []
        for index, form in enumerate(self.forms):
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            position = getattr(form.instance, "position", 0) or 0
            kept.append((position, index, form.instance))
        return [instance for _, _, instance in sorted(kept, key=lambda item: item[:2])]

    def clean(self) -> None:
        super().clean()
        # Rows left without an order go after the others, in the order they appear on the page.
        if not hasattr(self.model, "position"):
            return
        filled = [form for form in self.forms if getattr(form, "cleaned_data", None)]
        given = [
            form.cleaned_data["position"]
            for form in filled
            if form.cleaned_data.get("position", BLANK_POSITION) != BLANK_POSITION
        ]
        next_position = max(given, default=-1) + 1
        for form in filled:
            if form.cleaned_data.get("position") == BLANK_POSITION:
                form.instance.position = next_position
                next_position += 1


class EarnRuleFormSet(CardPartFormSet):
    """Also runs the whole-card check, once every part of the card has been validated."""

    def clean(self) -> None:
        super().clean()
        if any(not formset.is_valid() for formset in self.siblings if formset is not self):
            return
        if any(form.errors for form in self.forms):
            return
        parts: dict[type, list[Any]] = {
            formset.model: formset.kept_instances() for formset in self.siblings
        }
        card: Card = self.instance
        try:
            bonuses = parts.get(Bonus, [])
            raw = card_to_raw(
                card,
                rules=parts.get(EarnRule, []),
                shared_caps=parts.get(SharedCap, []),
                credits=parts.get(Credit, []),
                bonus=bonuses[0] if bonuses else None,
                evidence=parts.get(Evidence, []),
                unconfirmed=parts.get(Unconfirmed, []),
            )
            currency = card.currency
        except (ObjectDoesNotExist, TypeError, ValueError, AttributeError):
            # The card's own fields are invalid; their form already says so.
            return
        problems = card_problems(raw, currency)
        if problems:
            raise ValidationError(
                [humanize_problem(problem.field, problem.reason) for problem in problems]
            )


# Stands in for an empty "Order" until the formset numbers the row (the column is NOT NULL).
BLANK_POSITION = 1_000_000


class PositionField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            min_value=0,
            max_value=BLANK_POSITION - 1,
            label="Order",
            help_text="Leave empty to put it last.",
            **kwargs,
        )

    def clean(self, value: Any) -> int:
        cleaned = super().clean(value)
        return BLANK_POSITION if cleaned is None else cleaned


class EarnRuleForm(forms.ModelForm):
    """Categories as comma-separated ids; a rotating calendar as one line per quarter."""

    position = PositionField()
    categories = AdminCommaListField(
        required=False,
        help_text="Comma-separated category ids, e.g. groceries, streaming. Leave empty for a "
        "rotating rule.",
    )
    calendar = AdminCalendarField(
        label="Rotating calendar",
        required=False,
        help_text="Instead of categories: one line per published quarter, e.g. "
        "“2027Q1: gas, transit”. Leave a quarter out until its calendar is announced (it "
        "earns the base rate meanwhile); never copy last year's. Lines “Q1: …” come from a "
        "catalog@1 file and apply to every year.",
    )

    class Meta:
        model = EarnRule
        fields = [
            "position",
            "categories",
            "rate",
            "cap_amount",
            "cap_per",
            "cap_key",
            "choose",
            "pick",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].initial = self.instance.rotating or {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        calendar = cleaned.get("calendar") or {}
        if calendar:
            self.instance.rotating = calendar
            if cleaned.get("categories"):
                self.add_error(
                    "categories",
                    "A rule has either categories or a rotating calendar; clear one of them.",
                )
        else:
            self.instance.rotating = None
        return cleaned


class EarnRuleInline(admin.StackedInline):
    model = EarnRule
    form = EarnRuleForm
    formset = EarnRuleFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": ["position", "categories", "rate"]}),
        ("Cap", {"fields": [("cap_amount", "cap_per"), "cap_key"]}),
        ("Choice", {"fields": [("choose", "pick")]}),
        ("Rotating calendar", {"fields": ["calendar"]}),
    ]


class EvidenceForm(forms.ModelForm):
    position = PositionField()
    source_url = forms.URLField(max_length=500, assume_scheme="https")
    fields = AdminCommaListField(
        label="Supports",
        required=False,
        help_text="Field names, comma-separated: annual_fee, first_year_fee, rules, rules[0], "
        "bonus, credits, status…",
    )

    class Meta:
        model = Evidence
        fields = ["position", "fields", "source_url", "source_date", "quote", "note"]
        widgets = {"note": forms.TextInput(attrs={"size": 30})}


class EvidenceInline(admin.StackedInline):
    """Where each fact comes from; the whole-card check refuses what the import refuses."""

    model = Evidence
    fk_name = "card"
    form = EvidenceForm
    formset = CardPartFormSet
    extra = 0
    fields = [("position", "fields"), ("source_url", "source_date"), "quote", "note"]


class UnconfirmedForm(forms.ModelForm):
    position = PositionField()
    fields = AdminCommaListField(label="Facts", help_text="e.g. bonus, or rules[1]")

    class Meta:
        model = Unconfirmed
        fields = ["position", "fields", "reason"]


class UnconfirmedInline(admin.TabularInline):
    model = Unconfirmed
    form = UnconfirmedForm
    formset = CardPartFormSet
    extra = 0


class SharedCapForm(forms.ModelForm):
    position = PositionField()

    class Meta:
        model = SharedCap
        fields = ["position", "key", "amount", "per"]


class SharedCapInline(admin.TabularInline):
    model = SharedCap
    form = SharedCapForm
    formset = CardPartFormSet
    extra = 0


class CreditForm(forms.ModelForm):
    position = PositionField()

    class Meta:
        model = Credit
        fields = ["position", "name", "amount", "per"]


class CreditInline(admin.TabularInline):
    model = Credit
    form = CreditForm
    formset = CardPartFormSet
    extra = 0


class BonusInline(admin.StackedInline):
    model = Bonus
    formset = CardPartFormSet
    extra = 0
    max_num = 1


# --- cards ---------------------------------------------------------------------------------


class VerificationFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verified"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        days = STALE_AFTER.days
        return [("stale", f"More than {days} days ago"), ("recent", f"In the last {days} days")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Card]) -> QuerySet[Card]:
        cutoff = timezone.localdate() - STALE_AFTER
        if self.value() == "stale":
            return queryset.filter(verified_on__lt=cutoff)
        if self.value() == "recent":
            return queryset.filter(verified_on__gte=cutoff)
        return queryset


class AuditFilter(admin.SimpleListFilter):
    """What `manage.py catalog_audit` lists, as a filter of the card list."""

    title = "audit"
    parameter_name = "audit"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("any", "Anything to check"),
            ("stale_cards", "Check older than 180 days"),
            ("stale_bonuses", "Bonus check older than 60 days"),
            ("unconfirmed", "Unconfirmed facts"),
            ("missing_calendars", "Calendar missing in the next four quarters"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Card]) -> QuerySet[Card]:
        if self.value() is None:
            return queryset
        today = timezone.localdate()
        # Active cards through the engine's (memoised) catalog; inactive ones are out of scope.
        report = audit(load_full_catalog(today), today)
        if self.value() == "any":
            ids = report.card_ids
        else:
            ids = {finding.card_id for finding in getattr(report, self.value(), [])}
        return queryset.filter(slug__in=ids)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "issuer",
        "network",
        "currency",
        "annual_fee",
        "active",
        "status",
        "verified",
    ]
    list_filter = [
        AuditFilter,
        "active",
        "status",
        "issuer",
        "network",
        "currency",
        VerificationFilter,
        "business",
        "credit",
    ]
    search_fields = ["name", "slug", "issuer__name"]
    list_select_related = ["issuer", "currency"]
    # The format only takes https:// sources; also silences Django 5.2's scheme deprecation.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    ordering = ["name"]
    save_on_top = True
    inlines = [
        SharedCapInline,
        EarnRuleInline,
        BonusInline,
        CreditInline,
        EvidenceInline,
        UnconfirmedInline,
    ]
    actions = ["mark_verified_today", "make_active", "make_inactive"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "issuer", "family", "network", "currency", "active"]}),
        ("Status", {"fields": ["status", "status_confirmed_on"]}),
        (
            "Fees and eligibility",
            {
                "fields": [
                    ("annual_fee", "first_year_fee"),
                    "foreign_fee_pct",
                    ("credit", "business"),
                ]
            },
        ),
        ("Rewards", {"fields": ["base_rate"]}),
        ("Source", {"fields": ["source_url", "verified_on"]}),
    ]

    @admin.display(description="verified on", ordering="verified_on")
    def verified(self, card: Card) -> str:
        if card.verification_is_stale():
            return f"⚠ {card.verified_on:%Y-%m-%d} ({card.days_since_check()} days ago)"
        return f"{card.verified_on:%Y-%m-%d}"

    @admin.action(description="Mark the selected cards verified today")
    def mark_verified_today(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        # Each fact changed since the last check needs new evidence; a card without it is left
        # as it was, and the message says which facts.
        today = timezone.localdate()
        done = []
        for card in queryset.select_related("issuer", "currency", "bonus").prefetch_related(
            "rules", "credits", "shared_caps", "evidence", "unconfirmed"
        ):
            missing = mark_verified(card, today)
            if missing:
                messages.error(
                    request,
                    f"{card.name} was not marked verified: add evidence for what changed since "
                    f"{card.verified_on.isoformat()}: {', '.join(missing)}.",
                )
            else:
                done.append(card.name)
        if done:
            messages.success(request, f"Marked verified today: {', '.join(done)}.")

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # One list per request: the rules formset checks the whole card across all inlines.
        siblings = request.__dict__.setdefault("_catalog_card_formsets", [])
        kwargs["siblings"] = siblings
        return kwargs

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            card = Card.objects.filter(pk=object_id).first() if object_id.isdigit() else None
            if card is not None and card.verification_is_stale():
                messages.warning(
                    request,
                    f"These terms were last verified on {card.verified_on.isoformat()}, "
                    f"{card.days_since_check()} days ago. Check them at the source, add the "
                    "evidence, then use “Mark the selected cards verified today”.",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Mark the selected cards active")
    def make_active(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        # update() sends no signals, so the catalog version is bumped here.
        if queryset.exclude(active=True).update(active=True):
            CatalogVersion.bump()

    @admin.action(description="Mark the selected cards inactive")
    def make_inactive(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        if queryset.exclude(active=False).update(active=False):
            CatalogVersion.bump()


# --- currencies and issuers ----------------------------------------------------------------


class CurrencyForm(forms.ModelForm):
    class Meta:
        model = Currency
        fields = ["code", "name", "kind", "cents_per_point"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = Currency(
            code=cleaned["code"],
            name=cleaned["name"],
            kind=cleaned["kind"],
            cents_per_point=cleaned["cents_per_point"],
        )
        try:
            parse_catalog(
                {"format": FORMAT, "currencies": [currency_to_raw(candidate)], "cards": []}
            )
        except CatalogError as error:
            raise ValidationError(
                [humanize_problem(problem.field, problem.reason) for problem in error.problems]
            ) from None
        return cleaned


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    form = CurrencyForm
    list_display = ["name", "code", "kind", "cents_per_point", "card_count"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Currency]:
        return super().get_queryset(request).annotate(card_count=Count("cards"))

    @admin.display(description="cards", ordering="card_count")
    def card_count(self, currency: Currency) -> int:
        return currency.card_count  # type: ignore[attr-defined]


class IssuerRuleSummaryInline(admin.TabularInline):
    """The issuer's rules, read-only here: each is edited on its own page with its evidence."""

    model = IssuerRule
    fields = [
        "position",
        "kind",
        "max",
        "months",
        "counts_business",
        "personal_only",
        "scope",
        "family",
    ]
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "card_count"]
    search_fields = ["name"]
    inlines = [IssuerRuleSummaryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Issuer]:
        return super().get_queryset(request).annotate(card_count=Count("cards"))

    @admin.display(description="cards", ordering="card_count")
    def card_count(self, issuer: Issuer) -> int:
        return issuer.card_count  # type: ignore[attr-defined]


@admin.register(CatalogVersion)
class CatalogVersionAdmin(admin.ModelAdmin):
    list_display = ["value", "counter", "changed_at"]
    readonly_fields = ["value", "counter", "changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- issuer rules and problem reports ------------------------------------------------------


class IssuerRuleEvidenceFormSet(CardPartFormSet):
    """Runs the format's check of the rule with its evidence, as submitted."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        rule: IssuerRule = self.instance
        if not rule.kind or rule.issuer_id is None:
            return
        problems = issuer_rule_problems(rule, self.kept_instances())
        if problems:
            raise ValidationError(
                [humanize_problem(problem.field, problem.reason) for problem in problems]
            )


class IssuerRuleEvidenceForm(EvidenceForm):
    class Meta(EvidenceForm.Meta):
        fields = ["position", "fields", "source_url", "source_date", "quote", "note"]


class IssuerRuleEvidenceInline(admin.StackedInline):
    model = Evidence
    fk_name = "issuer_rule"
    form = IssuerRuleEvidenceForm
    formset = IssuerRuleEvidenceFormSet
    extra = 1
    fields = [("position", "fields"), ("source_url", "source_date"), "quote", "note"]


@admin.register(IssuerRule)
class IssuerRuleAdmin(admin.ModelAdmin):
    list_display = ["issuer", "kind", "max", "months", "scope", "family"]
    list_filter = ["kind", "issuer"]
    inlines = [IssuerRuleEvidenceInline]
    fields = [
        "issuer",
        "position",
        "kind",
        "max",
        "months",
        "counts_business",
        "personal_only",
        "scope",
        "family",
        "note",
    ]


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """Visitors' reports: read them, fix the card if they are right, mark them handled."""

    list_display = ["created_at", "card", "fact", "short_seen", "status"]
    list_filter = ["status", "fact"]
    search_fields = ["card__name", "seen"]
    readonly_fields = ["card", "fact", "seen", "link", "created_at"]
    fields = ["card", "fact", "seen", "link", "created_at", "status"]
    actions = ["mark_handled", "mark_dismissed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="what they saw")
    def short_seen(self, report: ProblemReport) -> str:
        return report.seen if len(report.seen) <= 80 else report.seen[:79] + "…"

    @admin.action(description="Mark the selected reports handled")
    def mark_handled(self, request: HttpRequest, queryset: QuerySet[ProblemReport]) -> None:
        queryset.update(status=ProblemReport.Status.HANDLED)

    @admin.action(description="Mark the selected reports dismissed")
    def mark_dismissed(self, request: HttpRequest, queryset: QuerySet[ProblemReport]) -> None:
        queryset.update(status=ProblemReport.Status.DISMISSED)
