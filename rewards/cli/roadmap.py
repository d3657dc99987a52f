"""The `roadmap` command (docs/roadmap.md): which new cards to open, in what order and when."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TextIO

from rewards.catalog import Catalog, load_catalog
from rewards.categories import CATEGORY_LABELS
from rewards.cli import (
    Parser,
    UsageError,
    add_common_arguments,
    amount,
    load,
    money_text,
    pairs,
    parse_spend,
    run,
    whole,
)
from rewards.roadmap import Plan, Roadmap, RoadmapOptions, roadmap
from rewards.roadmap.timeline import parse_month

PROG = "roadmap"


def _months(text: str) -> int:
    if text not in ("12", "24"):
        raise argparse.ArgumentTypeError(f"must be 12 or 24 (got {text!r})")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = Parser(
        prog=PROG,
        description=(
            "Which new cards to open, in what order and when, over the next 12 or 24 months: "
            "the best schedule and the next best ones with other cards."
        ),
    )
    add_common_arguments(parser)
    parser.add_argument(
        "--today",
        metavar="YYYY-MM",
        default=date.today().strftime("%Y-%m"),
        help="this month; month 1 of the plan is the next one (default: the current month)",
    )
    parser.add_argument(
        "--months", type=_months, default=24, help="plan length: 12 or 24 (default 24)"
    )
    parser.add_argument(
        "--max-new", type=whole(0, 6), default=3, help="most new cards, 0-6 (default 3)"
    )
    parser.add_argument(
        "--spacing",
        type=whole(1, 12),
        default=3,
        help="months at least between two applications, 1-12 (default 3)",
    )
    parser.add_argument(
        "--held",
        nargs="+",
        default=[],
        metavar="ID@YYYY-MM",
        help="cards already held and the month each was opened",
    )
    parser.add_argument(
        "--other-recent",
        type=whole(0),
        default=0,
        metavar="N",
        help="personal cards opened in the last 24 months that are not among --held",
    )
    parser.add_argument(
        "--bonus-history",
        nargs="+",
        default=[],
        metavar="ID@YYYY-MM",
        help="sign-up bonuses received and the month of each",
    )
    parser.add_argument("--top", type=whole(1, 20), default=5, help="plans to list (default 5)")
    return parser


def _at(items: Sequence[str], what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        card, sep, month = item.partition("@")
        if not sep or not card.strip() or not month.strip():
            raise UsageError(f"{what} must be written ID@YYYY-MM (got {item!r})")
        out.append((card.strip(), month.strip()))
    return tuple(out)


def _options(args: argparse.Namespace) -> RoadmapOptions:
    parse_month(args.today, "--today")
    return RoadmapOptions(
        today=args.today,
        months=args.months,
        max_new=args.max_new,
        spacing=args.spacing,
        held=_at(args.held, "--held"),
        other_recent=args.other_recent,
        bonus_history=_at(args.bonus_history, "--bonus-history"),
        top=args.top,
        cents_per_point=pairs(args.cpp, "cents per point"),
        max_annual_fee=None if args.max_fee is None else amount(args.max_fee, "--max-fee"),
        credit_band=args.credit,
        excluded_issuers=frozenset(args.exclude_issuer),
        include_business=args.include_business,
        reward_kinds=frozenset(args.kind) if args.kind else None,
        count_credits=args.use_credits,
    )


def _plan(rank: int, plan: Plan, out: TextIO) -> None:
    out.write(
        f"\n{rank}. {len(plan.cards)} new card{'s' if len(plan.cards) != 1 else ''}: value "
        f"{money_text(plan.value)} (gain {money_text(plan.gain)}): rewards "
        f"{money_text(plan.rewards)}, bonuses {money_text(plan.bonuses)}, fees "
        f"{money_text(plan.fees)}"
        + (f", credits {money_text(plan.credits)}" if plan.credits else "")
        + "\n"
    )
    if not plan.applications:
        out.write("   Open no new card.\n")
    for app in plan.applications:
        out.write(f"   Month {app.month} ({app.calendar_month}): apply for {app.name}\n")
        if app.bonus_counted:
            route = ", ".join(
                f"{CATEGORY_LABELS[r.category].lower()} {money_text(r.spend)}" for r in app.route
            )
            out.write(
                f"     bonus {money_text(app.bonus_value)} in month {app.bonus_month}: spend "
                f"{money_text(app.min_spend_per_month)} a month on it for {app.window} "
                f"month{'s' if app.window != 1 else ''}" + (f" ({route})" if route else "") + "\n"
            )
        else:
            out.write(f"     no bonus counted: {app.bonus_reason}\n")


def _table(result: Roadmap, out: TextIO) -> None:
    out.write(
        f"Plan: {result.horizon} months after {result.today}. Without new cards: "
        f"{money_text(result.baseline)}\n"
    )
    for rank, plan in enumerate(result.plans, 1):
        _plan(rank, plan, out)
    if result.blocked:
        out.write("\nKept out by issuer rules:\n")
        for item in result.blocked:
            until = f"passes from {item.until_month}" if item.until_month else "not in this plan"
            out.write(f"   {item.card} ({item.what}): {item.rule}; {until}\n")


def main(
    argv: Sequence[str] | None,
    *,
    load_default_catalog: Callable[[], Catalog],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run `roadmap` with these arguments; returns the exit status."""

    def body(out: TextIO) -> None:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
        spend = parse_spend(args.spend)
        options = _options(args)
        catalog = load(args.catalog, load_default_catalog)
        result = roadmap(catalog, spend, options)
        if args.json:
            out.write(json.dumps(result.to_json()) + "\n")
        else:
            _table(result, out)

    return run(PROG, body, stderr or sys.stderr, stdout or sys.stdout)


if __name__ == "__main__":  # pragma: no cover - for `python -m rewards.cli.roadmap` with a file
    raise SystemExit(
        main(sys.argv[1:], load_default_catalog=lambda: load_catalog("data/catalog.json"))
    )
