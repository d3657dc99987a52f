"""Forms of the statement import: the files, the columns of an unknown layout, merchant moves."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict

from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from statements import (
    MAX_FILES,
    NEGATIVE,
    POSITIVE,
    ColumnMapping,
    StatementError,
    Summary,
    UnknownFormat,
    check_files,
)
from statements.limits import MAX_COLUMNS
from statements.values import parse_amount, parse_date

# UnknownFormat.key: 16 hex digits. Anything else in a POST is no layout of ours.
_LAYOUT_KEY = re.compile(r"[0-9a-f]{16}")
# A name longer than this is shortened before it is shown or kept (a crafted request may send
# any length; the summary refuses names over 300 characters).
_NAME_LIMIT = 120


def short_name(name: str) -> str:
    """A file name fit to show: at most _NAME_LIMIT characters, its end (the extension) kept."""
    name = " ".join(name.split())
    if len(name) <= _NAME_LIMIT:
        return name
    return name[: _NAME_LIMIT - 21] + "…" + name[-20:]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class StatementFilesField(forms.Field):
    """One or more uploaded files, kept as they came (in memory, see StatementUploadHandler)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"required": "Choose one or more CSV files."})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[UploadedFile]:
        files = [item for item in (value or []) if isinstance(item, UploadedFile)]
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class UploadForm(forms.Form):
    """The statement files; their count and sizes are checked before any byte is read."""

    files = StatementFilesField(
        label="Statement files (CSV)",
        help_text=f"Up to {MAX_FILES} files at once, 5 MB each. You can pick several cards.",
        widget=MultipleFileInput(attrs={"accept": ".csv,text/csv", "required": True}),
    )

    def clean_files(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["files"]
        try:
            check_files([(short_name(file.name or ""), file.size or 0) for file in files])
        except StatementError as error:
            raise forms.ValidationError(error.message, code="limits") from None
        return files

    def uploads(self) -> list[tuple[str, bytes]]:
        """The files as (name, bytes), read from memory."""
        return [(short_name(file.name or ""), file.read()) for file in self.cleaned_data["files"]]


_COLUMN_HINTS: dict[str, re.Pattern[str]] = {
    "date": re.compile(r"date|posted|day", re.I),
    "description": re.compile(r"desc|payee|merchant|name|memo|detail|narrative|transaction", re.I),
    "amount": re.compile(r"amount|value|sum", re.I),
    "debit": re.compile(r"debit|withdraw|paid out|charge|spent", re.I),
    "credit": re.compile(r"credit|deposit|paid in|received", re.I),
}


def _reads(cells: Sequence[str], parse: Any) -> bool:
    """Whether every non-empty cell reads with `parse` (and at least one is non-empty)."""
    filled = [cell for cell in cells if cell.strip()]
    if not filled:
        return False
    for cell in filled:
        try:
            if parse(cell) is None:
                return False
        except StatementError:
            return False
    return True


def guess_mapping(layout: UnknownFormat) -> dict[str, Any]:
    """Initial answers for the mapping form, from column names and the sample rows."""
    width = len(layout.columns)
    column_cells = [
        [row[i] if i < len(row) else "" for row in layout.samples] for i in range(width)
    ]
    named = {
        field: [
            i for i, name in enumerate(layout.columns) if layout.has_header and hint.search(name)
        ]
        for field, hint in _COLUMN_HINTS.items()
    }
    dates = [i for i in range(width) if _reads(column_cells[i], parse_date)]
    amounts = [i for i in range(width) if i not in dates and _reads(column_cells[i], parse_amount)]
    texts = [i for i in range(width) if i not in dates and i not in amounts]
    taken: set[int] = set()

    def pick(*candidates: list[int]) -> int | None:
        for group in candidates:
            for column in group:
                if column not in taken:
                    taken.add(column)
                    return column
        return None

    guess: dict[str, Any] = {"has_header": layout.has_header}
    guess["date"] = pick([i for i in named["date"] if i in dates], dates, named["date"])
    guess["description"] = pick(named["description"], texts)
    debit = pick([i for i in named["debit"] if i not in named["amount"]])
    if debit is not None:
        guess["debit"] = debit
        guess["credit"] = pick(named["credit"])
        return guess
    amount = pick(named["amount"], amounts)
    guess["amount"] = amount
    if amount is not None:
        signs = [
            parse_amount(cell)
            for cell in column_cells[amount]
            if cell.strip() and _reads([cell], parse_amount)
        ]
        negatives = sum(1 for value in signs if value is not None and value < 0)
        guess["purchases"] = NEGATIVE if negatives * 2 >= len(signs) else POSITIVE
    return guess


class MappingForm(forms.Form):
    """Which column holds what, for one unknown layout (all files of that layout share it)."""

    date = forms.TypedChoiceField(label="Date", coerce=int)
    description = forms.TypedChoiceField(label="Description (the merchant)", coerce=int)
    amount = forms.TypedChoiceField(label="Amount", coerce=int, required=False, empty_value=None)
    purchases = forms.ChoiceField(
        label="In the amount column, purchases are",
        choices=[
            (NEGATIVE, "Negative (−12.50), payments positive"),
            (POSITIVE, "Positive (12.50), payments negative"),
        ],
        widget=forms.RadioSelect,
        initial=NEGATIVE,
        required=False,
    )
    debit = forms.TypedChoiceField(
        label="Debit (purchases)", coerce=int, required=False, empty_value=None
    )
    credit = forms.TypedChoiceField(
        label="Credit (payments and refunds)", coerce=int, required=False, empty_value=None
    )
    has_header = forms.BooleanField(label="The first row holds column names", required=False)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        layout: UnknownFormat | None = None,
        key: str,
        **kwargs: Any,
    ) -> None:
        self.layout = layout
        self.key = key
        if layout is not None and data is None:
            kwargs.setdefault("initial", guess_mapping(layout))
        super().__init__(data, prefix=f"map-{key}", **kwargs)
        # Without the file (a re-submission), any column the form could have offered is valid:
        # read_statements checks the real width and names the file if a column is missing.
        columns = (
            layout.columns
            if layout is not None
            else tuple(f"Column {i + 1}" for i in range(MAX_COLUMNS))
        )
        choices = [
            (i, f"{i + 1}: {name}" if name != f"Column {i + 1}" else name)
            for i, name in enumerate(columns)
        ]
        none = [("", "— none —")]
        self.fields["date"].choices = choices
        self.fields["description"].choices = choices
        self.fields["amount"].choices = none + choices
        self.fields["debit"].choices = none + choices
        self.fields["credit"].choices = none + choices
        self.mapping: ColumnMapping | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        cleaned["purchases"] = cleaned.get("purchases") or NEGATIVE
        try:
            mapping = ColumnMapping.from_dict(cleaned)
            mapping.check(len(self.layout.columns) if self.layout else MAX_COLUMNS)
        except StatementError as error:
            raise forms.ValidationError(error.problem, code="mapping") from None
        self.mapping = mapping
        return cleaned


def posted_layouts(data: QueryDict) -> list[str]:
    """The layout keys a mapping form was submitted for (hidden `layout` fields), checked."""
    keys = [key for key in data.getlist("layout") if _LAYOUT_KEY.fullmatch(key)]
    return list(dict.fromkeys(keys))[:MAX_FILES]


def posted_mappings(data: QueryDict) -> dict[str, MappingForm]:
    """A bound mapping form per layout key in the POST (columns unknown until files are read)."""
    return {key: MappingForm(data, key=key) for key in posted_layouts(data)}


class MoveForm(forms.Form):
    """Count one merchant of the import in another category."""

    key = forms.CharField(max_length=300, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label="Move to", choices=[(c, CATEGORY_LABELS[c]) for c in LEAF_CATEGORIES]
    )

    def __init__(self, *args: Any, summary: Summary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.summary = summary

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        try:
            self.summary.merchant(key)
        except StatementError as error:
            raise forms.ValidationError(error.message, code="unknown_merchant") from None
        return key
