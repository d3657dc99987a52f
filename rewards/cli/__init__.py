"""What the engine's commands (`recommend`, `roadmap`) share, Django-free.

Each command is `main(argv, *, load_default_catalog, stdout, stderr) -> exit status`; the Django
management commands supply how to load the catalog from the database (`--catalog FILE` reads a
file instead and needs no database). Shared here: an argparse that raises instead of exiting,
the spend and NAME=NUMBER parsing, the filter options, reading the catalog with every problem
listed, and the error handling: a bad argument prints `PROG: error: ...` on stderr (one line,
or one line per problem of an invalid catalog) and returns exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn, TextIO

from rewards.catalog import CREDIT_BANDS, CURRENCY_KINDS, Catalog, CatalogError, load_catalog
from rewards.categories import CATEGORY_GROUPS, LEAF_CATEGORIES
from rewards.options import EngineError, SearchCancelled

NO_CARDS = (
    "the catalog has no cards: load the shipped one with `manage.py import_cards "
    "data/catalog.json`, or pass --catalog FILE"
)
NO_DATABASE = (
    "the database has no card catalog yet: run `manage.py migrate` and `manage.py import_cards "
    "data/catalog.json`, or pass --catalog FILE"
)


class UsageError(Exception):
    """A bad argument or input: printed on stderr, exit status 2."""


class Exit(Exception):
    """argparse asked to exit (--help): the status to return."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise Exit(status)


def amount(text: str, what: str) -> Decimal:
    """A non-negative finite number, or UsageError."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"{what} must be a number (got {text!r})") from None
    if not value.is_finite():
        raise UsageError(f"{what} must be a finite number (got {text!r})")
    if value < 0:
        raise UsageError(f"{what} must not be negative (got {text})")
    return value


def pairs(items: Sequence[str], what: str) -> dict[str, Decimal]:
    """NAME=NUMBER items as a dict, rejecting malformed, negative and repeated ones."""
    out: dict[str, Decimal] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name or not number.strip():
            raise UsageError(f"{what} must be written NAME=NUMBER (got {item!r})")
        if name in out:
            raise UsageError(f"{what} for {name!r} is given twice")
        out[name] = amount(number.strip(), f"{what} for {name!r}")
    return out


_GROUPS = ", ".join(group + " = " + "+".join(leaves) for group, leaves in CATEGORY_GROUPS.items())
SPEND_HELP = (
    f"monthly dollars per category: {', '.join(LEAF_CATEGORIES)}; or a group ({_GROUPS}), "
    "split evenly over its categories. Names are case-insensitive."
)


def parse_spend(items: Sequence[str]) -> dict[str, Decimal]:
    """--spend items as monthly dollars per leaf category.

    Names are case-insensitive (`Dining`, `travel-other`); a group (`travel`) is split evenly
    over its leaves and may not be given together with one of them. All-zero spend is refused:
    there is nothing to optimise.
    """
    normalised: list[str] = []
    for item in items:
        name, sep, rest = item.partition("=")
        normalised.append(name.strip().lower().replace("-", "_") + sep + rest)
    given = pairs(normalised, "spend")
    spend: dict[str, Decimal] = {}
    from_group: dict[str, str] = {}
    for name, dollars in given.items():
        if name in CATEGORY_GROUPS:
            leaves = CATEGORY_GROUPS[name]
            share = dollars / len(leaves)
            for leaf in leaves:
                if leaf in given:
                    raise UsageError(f"spend on {name!r} and on {leaf!r} are both given: use one")
                spend[leaf] = share
                from_group[leaf] = name
        elif name in LEAF_CATEGORIES:
            spend[name] = dollars
        else:
            groups = ", ".join(CATEGORY_GROUPS)
            raise UsageError(
                f"unknown spending category {name!r}: use one of {', '.join(LEAF_CATEGORIES)} "
                f"(or the group {groups})"
            )
    if not any(dollars > 0 for dollars in spend.values()):
        raise UsageError("nothing to optimise: every category's spend is 0")
    return spend


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """--spend, --catalog, --json and the filters both commands take."""
    parser.add_argument(
        "--spend", nargs="+", required=True, metavar="CATEGORY=DOLLARS", help=SPEND_HELP
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--catalog", metavar="FILE", help="a catalog file instead of the database (needs none)"
    )
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


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < low or (high is not None and value > high):
            span = f"at least {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {span} (got {value})")
        return value

    return parse


def load(path: str | None, load_default_catalog: Callable[[], Catalog]) -> Catalog:
    """The catalog from `path`, or the default one; UsageError listing every problem."""
    if path:
        try:
            catalog = load_catalog(Path(path))
        except CatalogError as error:
            count = len(error.errors)
            if count == 1:
                raise UsageError(f"invalid catalog {path}: {error.errors[0]}") from None
            lines = "\n".join(f"  {problem}" for problem in error.errors)
            raise UsageError(f"invalid catalog {path}: {count} problems:\n{lines}") from None
    else:
        catalog = load_default_catalog()
    if not catalog.cards:
        raise UsageError(NO_CARDS if not path else f"the catalog {path} has no cards")
    return catalog


def run(
    prog: str,
    body: Callable[[TextIO], None],
    stderr: TextIO,
    out: TextIO,
) -> int:
    """Run a command body; bad input prints `prog: error: ...` and returns 2."""
    try:
        body(out)
    except Exit as stop:
        return stop.status
    except (UsageError, EngineError) as error:
        text = str(error)
        # One line, except an invalid catalog's list of problems (one per line).
        first, _, rest = text.partition("\n")
        stderr.write(f"{prog}: error: {' '.join(first.split())}\n")
        if rest:
            stderr.write(rest + "\n")
        return 2
    except SearchCancelled:
        stderr.write(f"{prog}: stopped\n")
        return 1
    return 0


def money_text(value: Decimal) -> str:
    return f"${value:,.2f}"
