"""The `recommend` command (docs/design.md §5), Django-free: parse arguments, run the engine, print.

The Django management command only supplies how to load the default catalog (from the
database); `--catalog FILE` reads a catalog file instead. Bad arguments print one line on
stderr and return exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import NoReturn, TextIO

from rewards.catalog import CREDIT_BANDS, CURRENCY_KINDS, Catalog, CatalogError, load_catalog
from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from rewards.engine import EngineError, Options, Recommendation, Wallet, recommend

PROG = "recommend"
SIZE_TITLES = {1: "Best single cards", 2: "Best 2-card wallets", 3: "Best 3-card wallets"}


class UsageError(Exception):
    """A bad argument: one line for stderr, exit status 2."""


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)


def _amount(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"{what} must be a number (got {text!r})") from None
    if not value.is_finite():
        raise UsageError(f"{what} must be a finite number (got {text!r})")
    if value < 0:
        raise UsageError(f"{what} must not be negative (got {text})")
    return value


def _pairs(items: Sequence[str], what: str) -> dict[str, Decimal]:
    """NAME=NUMBER items as a dict, rejecting malformed, negative and repeated ones."""
    out: dict[str, Decimal] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name or not number.strip():
            raise UsageError(f"{what} must be written NAME=NUMBER (got {item!r})")
        if name in out:
            raise UsageError(f"{what} for {name!r} is given twice")
        out[name] = _amount(number.strip(), f"{what} for {name!r}")
    return out


def _wallet_size(text: str) -> int:
    if text not in ("1", "2", "3"):
        raise argparse.ArgumentTypeError(f"must be 1, 2 or 3 (got {text!r})")
    return int(text)


def _top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = _Parser(
        prog=PROG,
        description="The best credit cards and 2-3 card wallets for a monthly spend profile.",
    )
    parser.add_argument(
        "--spend",
        nargs="+",
        required=True,
        metavar="CATEGORY=DOLLARS",
        help=f"monthly spend per category ({', '.join(LEAF_CATEGORIES)})",
    )
    parser.add_argument(
        "--wallet-size",
        type=_wallet_size,
        default=3,
        help="largest wallet: wallets of 1..N new cards are listed (default 3)",
    )
    parser.add_argument("--top", type=_top, default=10, help="wallets per size (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--catalog", metavar="FILE", help="a catalog file instead of the database")
    parser.add_argument(
        "--rank", choices=("ongoing", "year-one"), default="ongoing", help="what to rank by"
    )
    parser.add_argument("--held", nargs="+", default=[], metavar="ID", help="cards already held")
    parser.add_argument(
        "--cpp", nargs="+", default=[], metavar="CURRENCY=CENTS", help="cents per point"
    )
    parser.add_argument("--max-fee", metavar="DOLLARS", help="highest annual fee to consider")
    parser.add_argument("--credit", choices=CREDIT_BANDS, help="your credit band")
    parser.add_argument(
        "--exclude-issuer", nargs="+", default=[], metavar="ISSUER", help="issuers to leave out"
    )
    parser.add_argument(
        "--use-credits", action="store_true", help="count the cards' statement credits"
    )
    parser.add_argument(
        "--include-business", action="store_true", help="consider business cards too"
    )
    parser.add_argument(
        "--kind", nargs="+", choices=CURRENCY_KINDS, metavar="KIND", help="reward kinds to keep"
    )
    return parser


def _options(args: argparse.Namespace) -> tuple[dict[str, Decimal], Options]:
    spend = _pairs(args.spend, "spend")
    for category in spend:
        if category not in LEAF_CATEGORIES:
            raise UsageError(f"unknown spending category {category!r}")
    max_fee = None if args.max_fee is None else _amount(args.max_fee, "--max-fee")
    options = Options(
        wallet_sizes=tuple(range(1, args.wallet_size + 1)),
        top_n=args.top,
        rank="year_one" if args.rank == "year-one" else "ongoing",
        held=tuple(args.held),
        cents_per_point=_pairs(args.cpp, "cents per point"),
        max_annual_fee=max_fee,
        credit_band=args.credit,
        excluded_issuers=frozenset(args.exclude_issuer),
        include_business=args.include_business,
        reward_kinds=frozenset(args.kind) if args.kind else None,
        count_credits=args.use_credits,
    )
    return spend, options


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _table(result: Recommendation, catalog: Catalog, out: TextIO) -> None:
    names = {card.id: card.name for card in catalog.cards}
    out.write(f"Annual spend: {_money(result.annual_spend)}\n")
    if result.held is not None:
        held = ", ".join(names[card_id] for card_id in result.held.held)
        out.write(f"Cards held: {held} (ongoing value {_money(result.held.ongoing_value)})\n")
    for size, wallets in sorted(result.wallets.items()):
        out.write(f"\n{SIZE_TITLES[size]}\n")
        if not wallets:
            out.write("  (no cards pass the filters)\n")
        for rank, wallet in enumerate(wallets, 1):
            _wallet(rank, wallet, names, out)


def _wallet(rank: int, wallet: Wallet, names: dict[str, str], out: TextIO) -> None:
    title = " + ".join(names[card_id] for card_id in wallet.cards)
    out.write(f"{rank:>3}. {title}\n")
    out.write(
        f"     ongoing {_money(wallet.ongoing_value)}/yr, year one "
        f"{_money(wallet.year_one_value)}, annual fees {_money(wallet.annual_fees)}, "
        f"effective return {wallet.effective_rate * 100:.2f}%\n"
    )
    for row in wallet.plan:
        label = CATEGORY_LABELS[row.category]
        out.write(
            f"       {label:<38} {names[row.card_id][:40]:<40} "
            f"{_money(row.spend):>12}/yr  earns {_money(row.value):>10}\n"
        )


def main(
    argv: Sequence[str] | None,
    *,
    load_default_catalog: Callable[[], Catalog],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run `recommend` with these arguments; returns the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
        spend, options = _options(args)
        if args.catalog:
            try:
                catalog = load_catalog(args.catalog)
            except CatalogError as error:
                more = len(error.errors) - 1
                extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
                reason = f"invalid catalog {args.catalog}: {error.errors[0]}{extra}"
                raise UsageError(reason) from None
        else:
            catalog = load_default_catalog()
        # Closed cards are never recommended; one the person holds still counts as held.
        catalog = catalog.recommendable(options.held)
        result = recommend(catalog, spend, options)
    except _Exit as stop:
        return stop.status
    except (UsageError, EngineError) as error:
        err.write(f"{PROG}: error: {' '.join(str(error).split())}\n")
        return 2
    if args.json:
        out.write(json.dumps(result.to_json()) + "\n")
    else:
        _table(result, catalog, out)
    return 0


if __name__ == "__main__":  # pragma: no cover - for `python -m rewards.cli` with a file
    raise SystemExit(
        main(sys.argv[1:], load_default_catalog=lambda: load_catalog("data/catalog.json"))
    )
