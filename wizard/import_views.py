"""Import bank and card statements (CSV) to fill in step 1, reading the files in memory only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, push_url

from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from statements import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MappingRequired,
    StatementError,
    Summary,
    UnknownFormat,
    read_statements,
)
from statements.decoding import megabytes
from web.bodylimit import bodies_reach_disk
from web.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from wizard.import_forms import MappingForm, MoveForm, UploadForm, posted_mappings
from wizard.models import MAX_MONTHLY_SPEND, SpendingProfile
from wizard.sessions import SessionStore as DatabaseSessionStore

TEMPLATE = "wizard/import.html"
# The import under review (per-merchant totals, Summary.to_dict, never rows) lives in a session
# row of its own that expires IMPORT_MAX_AGE after it was last saved, so merchant names go with
# it (clearsessions, run by purge_expired, deletes the row) even if the person never comes back;
# the visitor's session, which lives for weeks, holds only that row's key.
SESSION_KEY = "statement_import"
SUMMARY_KEY = "summary"
IMPORT_MAX_AGE = 2 * 60 * 60
# Where earlier versions kept the import's time in the visitor's session (purge_expired strips it).
SESSION_TIME_KEY = "statement_import_at"
# The biggest request an import may be: every file at its limit, plus the form fields and the
# multipart framing. web/bodylimit.py refuses bigger bodies before they are read, at
# settings.STATEMENT_IMPORT_MAX_BYTES (the system check wizard.E001 keeps the two in step).
MAX_REQUEST_BYTES = MAX_FILES * MAX_FILE_BYTES + 512 * 1024
TOP_MERCHANTS = 5
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class StatementUploadHandler(MemoryFileUploadHandler):
    """Keeps every uploaded file in memory, whatever the request size: never a temporary file."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        # MemoryFileUploadHandler steps aside above FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) for
        # the next handler, which would write a temporary file. There is no next handler here
        # (dropping the files silently instead) and the view has checked the request size.
        self.activated = True

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        # Past the per-file limit the bytes are not kept: check_files refuses the file by its
        # size (counted by the parser), so memory stays bounded whatever the file.
        room = MAX_FILE_BYTES + 1 - start
        if room > 0:
            self.file.write(raw_data[:room])


def _declared_length(request: HtmxHttpRequest) -> int:
    """The request's Content-Length; 0 if it is unreadable, as Django's request reads it."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def span_text(start: date, end: date) -> str:
    """A date span as people write it: "Jan 2 – Mar 30, 2026"."""

    def day(when: date, *, year: bool) -> str:
        text = f"{_MONTHS[when.month - 1]} {when.day}"
        return f"{text}, {when.year}" if year else text

    if start == end:
        return day(start, year=True)
    return f"{day(start, year=start.year != end.year)} – {day(end, year=True)}"


def _statement_count(summary: Summary) -> int:
    return sum(1 for report in summary.files if report.duplicate_of is None)


def _import_store(session: SessionBase) -> DatabaseSessionStore | None:
    key = session.get(SESSION_KEY)
    return DatabaseSessionStore(key) if isinstance(key, str) else None


def stored_summary(session: SessionBase) -> Summary | None:
    """The import this session has under review, if any is left and readable."""
    store = _import_store(session)
    # An expired row reads as empty: the import is gone at IMPORT_MAX_AGE to the second.
    data = store.get(SUMMARY_KEY) if store is not None else None
    if data is None:
        return None
    try:
        return Summary.from_dict(data)
    except StatementError:
        return None


def _keep_summary(request: HtmxHttpRequest, summary: Summary) -> None:
    store = _import_store(request.session) or DatabaseSessionStore()
    store[SUMMARY_KEY] = summary.to_dict()
    store.set_expiry(IMPORT_MAX_AGE)
    store.save()
    request.session[SESSION_KEY] = store.session_key
    request.session.pop(SESSION_TIME_KEY, None)


def _forget_summary(request: HtmxHttpRequest) -> None:
    store = _import_store(request.session)
    if store is not None:
        store.delete()
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_TIME_KEY, None)


def _session_summary(request: HtmxHttpRequest) -> Summary | None:
    """The import under review; None (and forgotten) if absent, altered or too old."""
    if SESSION_KEY not in request.session:
        return None
    summary = stored_summary(request.session)
    if summary is None:
        _forget_summary(request)
    return summary


# Upload


def _mapping_sections(
    unknown: tuple[UnknownFormat, ...], posted: dict[str, MappingForm], data: Any
) -> list[dict[str, Any]]:
    """One mapping form per unknown layout, listing its files; bound if it was answered."""
    sections: dict[str, dict[str, Any]] = {}
    for layout in unknown:
        if layout.key in sections:
            sections[layout.key]["files"].append(layout.file)
            continue
        bound = data if layout.key in posted else None
        form = MappingForm(bound, layout=layout, key=layout.key)
        if bound is not None:
            form.is_valid()
        sections[layout.key] = {"form": form, "layout": layout, "files": [layout.file]}
    return list(sections.values())


def _render_upload(
    request: HtmxHttpRequest,
    form: UploadForm | None = None,
    *,
    error: str = "",
    notice: str = "",
    mappings: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    # A file input never shows the files chosen before: every attempt chooses them again.
    context = {
        "mode": "upload",
        "step": 1,
        "form": form or UploadForm(),
        "error": error,
        "notice": notice,
        "mappings": mappings or [],
        "mapping_files": [name for section in mappings or [] for name in section["files"]],
        "has_review": _session_summary(request) is not None,
        "max_files": MAX_FILES,
        "import_off": bodies_reach_disk(request),
    }
    return render_page_or_partial(request, TEMPLATE, "upload", context, status=status)


def _too_large(request: HtmxHttpRequest) -> HttpResponse:
    error = (
        f"The upload is {megabytes(_declared_length(request))}; the limit is {MAX_FILES} files "
        f"of {MAX_FILE_BYTES // (1024 * 1024)} MB each. Upload fewer or smaller files."
    )
    # htmx swaps only 2xx answers, so a swap gets the message with 200; a page says 413.
    status = 200 if wants_partial(request) else 413
    return _render_upload(request, error=error, status=status)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request: HtmxHttpRequest) -> HttpResponse:
    """Upload CSV exports; they are read in memory into a summary kept for the review."""
    if request.method == "POST":
        # Before anything reads the body (the CSRF check reads request.POST): uploads stay in
        # memory, and a body too big for the limits is refused unread.
        request.upload_handlers = [StatementUploadHandler(request)]
        if bodies_reach_disk(request):
            # This server wrote the upload to a temporary file already: read none of it.
            return _render_upload(request, status=200 if wants_partial(request) else 503)
        if _declared_length(request) > MAX_REQUEST_BYTES:
            return _too_large(request)
        try:
            return _upload(request)
        except RequestDataTooBig:
            return _too_large(request)
        except (MultiPartParserError, TooManyFilesSent, TooManyFieldsSent):
            error = "The upload could not be read. Choose the files again."
            status = 200 if wants_partial(request) else 400
            return _render_upload(request, error=error, status=status)
    return _upload(request)


@csrf_protect
def _upload(request: HtmxHttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _render_upload(request)
    if request.POST.get("action") == "discard":
        _forget_summary(request)
        notice = "The imported statements were discarded."
        if wants_partial(request):
            return push_url(_render_upload(request, notice=notice), reverse("wizard:import"))
        messages.info(request, notice)
        return redirect("wizard:import")
    form = UploadForm(request.POST, request.FILES)
    posted = posted_mappings(request.POST)
    if not form.is_valid():
        return _render_upload(request, form)
    files = form.uploads()
    mappings = {key: f.mapping for key, f in posted.items() if f.is_valid() and f.mapping}
    try:
        summary = read_statements(files, mappings)
    except MappingRequired as required:
        sections = _mapping_sections(required.unknown, posted, request.POST)
        return _render_upload(request, mappings=sections)
    except StatementError as error:
        # The message quotes cell values: shown to the person, never logged or stored.
        if mappings:
            # The column choices may be what is wrong: ask again, keeping them.
            try:
                read_statements(files, {})
            except MappingRequired as required:
                sections = _mapping_sections(required.unknown, posted, request.POST)
                return _render_upload(request, error=error.message, mappings=sections)
            except StatementError:
                pass
        return _render_upload(request, error=error.message)
    _keep_summary(request, summary)
    if wants_partial(request):
        return push_url(_render_review(request, summary), reverse("wizard:import-review"))
    return redirect("wizard:import-review")


# Review


def _skipped_text(skipped: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in skipped.items())


def _review_context(summary: Summary, *, note: str = "", error: str = "") -> dict[str, Any]:
    rows = []
    for category in summary.categories():
        top = category.top(TOP_MERCHANTS)
        rest = category.merchants[len(top) :]
        rows.append(
            {
                "category": category,
                "top": [
                    {
                        "merchant": merchant,
                        "moved_from": CATEGORY_LABELS[merchant.auto_category]
                        if merchant.moved
                        else "",
                    }
                    for merchant in top
                ],
                "rest_count": len(rest),
                "rest_total": sum((merchant.total for merchant in rest), Decimal(0)),
            }
        )
    files = [
        {"report": report, "skipped": _skipped_text(dict(report.skipped))}
        for report in summary.files
    ]
    return {
        "mode": "review",
        "step": 1,
        "summary": summary,
        "rows": rows,
        "files": files,
        "statements": _statement_count(summary),
        "span": span_text(summary.start, summary.end),
        "monthly_total": sum((row["category"].monthly for row in rows), Decimal(0)),
        "category_choices": [(c, CATEGORY_LABELS[c]) for c in LEAF_CATEGORIES],
        "note": note,
        "error": error,
    }


def _render_review(
    request: HtmxHttpRequest,
    summary: Summary,
    *,
    partial: str = "review",
    note: str = "",
    error: str = "",
) -> HttpResponse:
    context = _review_context(summary, note=note, error=error)
    return render_page_or_partial(request, TEMPLATE, partial, context)


def _nothing_to_review(request: HtmxHttpRequest) -> HttpResponse:
    text = (
        "There are no imported statements to review (we keep them two hours at most): "
        "upload them here."
    )
    if wants_partial(request):
        response = _render_upload(request, notice=text)
        return push_url(response, reverse("wizard:import"))
    messages.warning(request, text)
    return redirect("wizard:import")


@require_safe
def review(request: HtmxHttpRequest) -> HttpResponse:
    """The imported totals per category, their top merchants and "Use these numbers"."""
    summary = _session_summary(request)
    if summary is None:
        return _nothing_to_review(request)
    return _render_review(request, summary)


@require_POST
def move(request: HtmxHttpRequest) -> HttpResponse:
    """Count one merchant in another category; htmx swaps the review table in place."""
    summary = _session_summary(request)
    if summary is None:
        return _nothing_to_review(request)
    form = MoveForm(request.POST, summary=summary)
    if not form.is_valid():
        error = "That merchant or category is not part of this import; nothing was moved."
        if wants_partial(request):
            return _render_review(request, summary, partial="review-table", error=error)
        messages.error(request, error)
        return redirect("wizard:import-review")
    key, category = form.cleaned_data["key"], form.cleaned_data["category"]
    summary = summary.move(key, category)
    _keep_summary(request, summary)
    note = f"Moved {summary.merchant(key).name} to {CATEGORY_LABELS[category]}."
    if wants_partial(request):
        return _render_review(request, summary, partial="review-table", note=note)
    messages.success(request, note)
    return redirect("wizard:import-review")


@require_POST
def use(request: HtmxHttpRequest) -> HttpResponse:
    """Put the imported monthly averages into step 1, where the person can still edit them."""
    summary = _session_summary(request)
    if summary is None:
        return _nothing_to_review(request)
    spend = summary.monthly_spend()
    too_big = [CATEGORY_LABELS[c] for c, amount in spend.items() if amount > MAX_MONTHLY_SPEND]
    if too_big:
        error = (
            f"{', '.join(too_big)}: more than $1,000,000 a month, more than step 1 accepts. "
            "Check the files, or move the biggest merchants elsewhere."
        )
        if wants_partial(request):
            return _render_review(request, summary, error=error)
        messages.error(request, error)
        return redirect("wizard:import-review")
    profile = SpendingProfile.objects.for_session_or_new(request.session).editable_copy()
    profile.set_spend(spend)
    profile.save()
    profile.bind_to_session(request.session)
    _forget_summary(request)
    count = _statement_count(summary)
    messages.success(
        request,
        f"Filled in from {count} statement{'s' if count != 1 else ''} covering "
        f"{span_text(summary.start, summary.end)}; check and adjust.",
    )
    if wants_partial(request):
        return HttpResponseClientRedirect(reverse("wizard:spending"))
    return redirect("wizard:spending")
