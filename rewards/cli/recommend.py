"""The `recommend` command (docs/design.md §5): the best cards and wallets for a spend profile."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
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
)
from rewards.engine import Options, Recommendation, Wallet, recommend

PROG = "recommend"
SIZE_TITLES = {1: "Best single cards", 2: "Best 2-card wallets", 3: "Best 3-card wallets"}


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
    parser = Parser(
        prog=PROG,
        description="The best credit cards and 2-3 card wallets for a monthly spend profile.",
    )
    add_common_arguments(parser)
    parser.add_argument(
        "--wallet-size",
        type=_wallet_size,
        default=3,
        help="largest wallet: wallets of 1..N new cards are listed (default 3)",
    )
    parser.add_argument("--top", type=_top, default=10, help="wallets per size (default 10)")
    parser.add_argument(
        "--rank", choices=("ongoing", "year-one"), default="ongoing", help="what to rank by"
    )
    parser.add_argument("--held", nargs="+", default=[], metavar="ID", help="cards already held")
    return parser


def _options(args: argparse.Namespace) -> tuple[dict[str, Decimal], Options]:
    spend = parse_spend(args.spend)
    max_fee = None if args.max_fee is None else amount(args.max_fee, "--max-fee")
    options = Options(
        wallet_sizes=tuple(range(1, args.wallet_size + 1)),
        top_n=args.top,
        rank="year_one" if args.rank == "year-one" else "ongoing",
        held=tuple(args.held),
        cents_per_point=pairs(args.cpp, "cents per point"),
        max_annual_fee=max_fee,
        credit_band=args.credit,
        excluded_issuers=frozenset(args.exclude_issuer),
        include_business=args.include_business,
        reward_kinds=frozenset(args.kind) if args.kind else None,
        count_credits=args.use_credits,
    )
    return spend, options


def _table(result: Recommendation, catalog: Catalog, out: TextIO) -> None:
    names = {card.id: card.name for card in catalog.cards}
    out.write(f"Annual spend: {money_text(result.annual_spend)}\n")
    if result.held is not None:
        held = ", ".join(names[card_id] for card_id in result.held.held)
        out.write(f"Cards held: {held} (ongoing value {money_text(result.held.ongoing_value)})\n")
    for size, wallets in sorted(result.wallets.items()):
        out.write(f"\n{SIZE_TITLES[size]}\n")
        if not wallets:
            out.write("  (no cards pass the filters)\n")
        for rank, wallet in enumerate(wallets, 1):
            _wallet(rank, wallet, names, out)


def _wallet(rank: int, wallet: Wallet, names: dict[str, str], out: TextIO) -> None:
    title = " + ".join(names[card_id] for card_id in wallet.cards)
    out.write(f"{rank:>3}. {title}\n")
    # None: the cards cannot all be opened within a year (spacing, issuer rules).
    first = wallet.year_one_value
    year_one = "n/a (cannot all be opened in a year)" if first is None else money_text(first)
    opened = ", ".join(f"{names[o.card]} in month {o.month}" for o in wallet.openings[1:])
    order = f" (open {names[wallet.openings[0].card]} first, {opened})" if opened else ""
    out.write(
        f"     ongoing {money_text(wallet.ongoing_value)}/yr, year one {year_one}{order}, "
        f"annual fees {money_text(wallet.annual_fees)}, "
        f"effective return {wallet.effective_rate * 100:.2f}%\n"
    )
    for row in wallet.plan:
        label = CATEGORY_LABELS[row.category]
        out.write(
            f"       {label:<38} {names[row.card_id][:40]:<40} "
            f"{money_text(row.spend):>12}/yr  earns {money_text(row.value):>10}\n"
        )


def main(
    argv: Sequence[str] | None,
    *,
    load_default_catalog: Callable[[], Catalog],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run `recommend` with these arguments; returns the exit status."""

    def body(out: TextIO) -> None:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
        spend, options = _options(args)
        catalog = load(args.catalog, load_default_catalog)
        # Closed cards are never recommended; one the person holds still counts as held.
        catalog = catalog.recommendable(options.held)
        result = recommend(catalog, spend, options)
        if args.json:
            out.write(json.dumps(result.to_json()) + "\n")
        else:
            _table(result, catalog, out)

    return run(PROG, body, stderr or sys.stderr, stdout or sys.stdout)


__all__ = ["UsageError", "build_parser", "main"]

if __name__ == "__main__":  # pragma: no cover - for `python -m rewards.cli.recommend` with a file
    raise SystemExit(
        main(sys.argv[1:], load_default_catalog=lambda: load_catalog("data/catalog.json"))
    )
