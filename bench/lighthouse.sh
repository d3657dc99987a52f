#!/usr/bin/env bash
# Lighthouse (mobile) on the site served like `make run`: the four category scores, CLS, and the
# audits that do not pass. docs/design.md section 8: performance, accessibility, best practices and
# SEO 100; CLS <= 0.02.
#
# Starts its own site (temporary database migrated, catalog imported, static files collected,
# a fresh secret key; production settings over plain HTTP) and one uvicorn worker, runs
# `npx lighthouse@12.2.3` driving Debian's /usr/bin/chromium on /, /wizard/spending/, /cards/,
# a results page, the card-plan form and a plan page, and stops the server however it ends.
# Exits 0 without running when npx or Chromium is missing, or Lighthouse cannot be fetched, so
# `make bench` never fails on it.
#
# Run: bench/lighthouse.sh   (set LIGHTHOUSE_OUT=<dir> to keep the JSON reports)
set -uo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
LIGHTHOUSE=${LIGHTHOUSE:-lighthouse@12.2.3}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

if ! command -v npx >/dev/null; then
    echo "lighthouse: npx not found; skipped (install Node.js to run it)"
    exit 0
fi
if [ ! -x "$CHROME_PATH" ]; then
    echo "lighthouse: no Chromium at $CHROME_PATH; skipped (make chromium)"
    exit 0
fi
if ! timeout 600 npx --yes "$LIGHTHOUSE" --version >/dev/null 2>&1; then
    echo "lighthouse: could not run npx $LIGHTHOUSE (offline?); skipped"
    exit 0
fi

WORK=$(mktemp -d /tmp/ccg-bench-lighthouse-XXXXXX)
OUT=${LIGHTHOUSE_OUT:-$WORK/reports}
mkdir -p "$OUT"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
    fi
    rm -rf "$WORK"  # reports survive only under $LIGHTHOUSE_OUT, which is outside it
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=creditcard_guru.settings DJANGO_DEBUG=0 DJANGO_HTTPS=0
DJANGO_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_SECRET_KEY
export DATABASE_URL="sqlite:///$WORK/db.sqlite3" DJANGO_STATIC_ROOT="$WORK/staticfiles"
$PY manage.py migrate --noinput >/dev/null || exit 1
$PY manage.py import_cards data/catalog.json >/dev/null || exit 1
$PY manage.py collectstatic --noinput --verbosity 0 || exit 1

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
.venv/bin/uvicorn creditcard_guru.asgi:application --host 127.0.0.1 --port "$PORT" \
    --lifespan off --timeout-graceful-shutdown 10 --workers 1 >"$WORK/uvicorn.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

# A results page: walk step 1 with the "typical US household" preset, then "Find my cards".
JAR="$WORK/cookies"
curl -fs -c "$JAR" -b "$JAR" "$BASE/wizard/spending/" >/dev/null
CSRF=$(awk '$6 == "csrftoken" {print $7}' "$JAR")
curl -fs -c "$JAR" -b "$JAR" -d "csrfmiddlewaretoken=$CSRF&action=preset" \
    "$BASE/wizard/spending/" >/dev/null
RESULTS=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/wizard/review/" | grep -o 'href="/results/[^"]*/"' |
    head -1 | sed 's/href="//; s/"$//')

# A card plan for the same answers: the plan form, then the plan page it leads to.
PLAN_FORM=""
PLAN=""
if [ -n "$RESULTS" ]; then
    ANSWERS=$(echo "$RESULTS" | cut -d/ -f3)
    PLAN_FORM="/plan/?answers=$ANSWERS"
    CSRF=$(awk '$6 == "csrftoken" {print $7}' "$JAR")
    PLAN=$(curl -fs -o /dev/null -D - -c "$JAR" -b "$JAR" \
        -d "csrfmiddlewaretoken=$CSRF&answers=$ANSWERS&held-TOTAL_FORMS=0&held-INITIAL_FORMS=0" \
        -d "bonus-TOTAL_FORMS=0&bonus-INITIAL_FORMS=0&other_recent=0&months=24&max_new=3&spacing=3" \
        "$BASE/plan/" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
fi

PAGES=(/ /wizard/spending/ /cards/)
[ -n "$RESULTS" ] && PAGES+=("$RESULTS")
[ -n "$PLAN_FORM" ] && PAGES+=("$PLAN_FORM")
[ -n "$PLAN" ] && PAGES+=("$PLAN")
i=0
for page in "${PAGES[@]}"; do
    i=$((i + 1))
    echo "lighthouse: $page" >&2
    timeout 300 npx --yes "$LIGHTHOUSE" "$BASE$page" --quiet --output=json \
        --output-path="$OUT/page$i.json" --form-factor=mobile \
        --chrome-flags="--headless --no-sandbox --disable-gpu" >/dev/null 2>"$OUT/page$i.log" ||
        echo "lighthouse: run failed on $page (see $OUT/page$i.log)" >&2
done

$PY - "$OUT" "${PAGES[@]}" <<'EOF'
import json
import sys
from pathlib import Path

sys.path.insert(0, "bench")
from common import Row, print_table

out, pages = Path(sys.argv[1]), sys.argv[2:]
rows, failing = [], []
for number, page in enumerate(pages, start=1):
    report = out / f"page{number}.json"
    if not report.exists():
        rows.append(Row(page, "no report", "100 x4", False))
        continue
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        rows.append(Row(page, data["runtimeError"].get("code", "error"), "100 x4", False))
        continue
    scores = {key: cat["score"] for key, cat in data["categories"].items()}
    text = " / ".join(
        "-" if scores.get(k) is None else f"{scores[k] * 100:.0f}"
        for k in ("performance", "accessibility", "best-practices", "seo")
    )
    ok = all(scores.get(k) == 1 for k in ("performance", "accessibility", "best-practices", "seo"))
    shown = page if len(page) <= 30 else page[:27] + "..."
    rows.append(Row(f"{shown} perf / a11y / best / SEO", text, "100 each", ok))
    cls = data["audits"]["cumulative-layout-shift"].get("numericValue")
    if cls is not None:
        rows.append(Row(f"{shown} CLS", f"{cls:.3f}", "<= 0.02", cls <= 0.02))
    for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time"):
        audit = data["audits"].get(key, {})
        if audit.get("displayValue"):
            rows.append(Row(f"{shown} {audit['title']}", audit["displayValue"].replace("\xa0", " ")))
    for audit in data["audits"].values():
        mode = audit.get("scoreDisplayMode")
        if mode in ("binary", "numeric", "metricSavings") and audit.get("score") is not None:
            if audit["score"] < 1 and (mode != "metricSavings" or audit["score"] < 0.9):
                value = (audit.get("displayValue") or "").replace("\xa0", " ")
                failing.append(f"{shown}: {audit['id']} ({audit['score']:.2f}) {value}".rstrip())
print_table("Lighthouse 12.2.3 (mobile, Debian Chromium)", rows)
print("audits not passing:" if failing else "audits not passing: none")
for line in failing:
    print(f"  {line}")
EOF
