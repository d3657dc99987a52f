"""The bank export layouts we recognise by their header, and how to read one row of each.

To add a bank: write a `_read_<bank>` function that turns one row into `Fields` (amount with
purchases positive), give its category mapping if the export has a category column, and add a
`BankFormat` to FORMATS, more specific layouts before more general ones. Then add a realistic
sample file under tests/statements/samples/ and a test with its exact category totals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from statements.classify import BROAD, SKIP, check_mapping
from statements.errors import StatementError
from statements.skips import BALANCE, FEE, PAYMENT, REFUND, TRANSFER
from statements.values import parse_amount, parse_date


def header_name(cell: str) -> str:
    """A header cell as a lookup key: lower case, no dots, single spaces ("Trans. Date")."""
    return " ".join(cell.replace("\ufeff", "").replace(".", " ").lower().split())


@dataclass(slots=True)
class Fields:
    """What one row says, before categorisation. `amount` is positive for a purchase."""

    date: str
    description: str
    amount: Decimal
    # Set when the bank's own type or category column says the row is no purchase.
    skip: str | None = None
    bank_category: str = ""
    # A cleaner merchant name than the description, where the bank gives one (Apple Card).
    merchant: str = ""
    # Address, city or country text, and free-text details, read for signs of a foreign purchase.
    location: str = ""
    country: str = ""
    details: str = ""


def column_label(name: str) -> str:
    """A column as a message names it: "the Amount column", or "column 3" for a mapped one."""
    return f"column {int(name) + 1}" if name.isdigit() else f"the {name.title()} column"


class Cells:
    """One CSV row, read by normalised header name (or by position, as "0", "1", ...)."""

    def __init__(self, cells: Sequence[str], index: dict[str, int]) -> None:
        self._cells = cells
        self._index = index

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def get(self, *names: str) -> str:
        """The first of these columns the file has, stripped; "" when it has none."""
        for name in names:
            position = self._index.get(name)
            if position is not None:
                return self._cells[position].strip() if position < len(self._cells) else ""
        return ""

    def amount(self, *names: str) -> Decimal:
        """A required amount cell; a StatementError when it is missing or unreadable."""
        value = parse_amount(self.get(*names))
        if value is None:
            raise StatementError(f"missing amount in {column_label(names[0])}")
        return value

    def optional_amount(self, *names: str) -> Decimal | None:
        """An amount cell that may be empty (one of a Debit / Credit pair)."""
        return parse_amount(self.get(*names))


def _by_type(kind: str, types: dict[str, str | None]) -> str | None:
    """The skip reason a bank's type column gives, if any."""
    return types.get(kind.strip().lower())


def debit_credit(cells: Cells, debit: str, credit: str) -> Decimal:
    """A purchase-positive amount from a Debit / Credit column pair."""
    spent = cells.optional_amount(debit)
    received = cells.optional_amount(credit)
    if spent:
        return abs(spent)
    if received is not None:
        return -abs(received)
    if spent is not None or credit not in cells:
        # With no credit column (a person's mapping may have none), an empty debit is a credit.
        return Decimal(0)
    raise StatementError(f"no amount in {column_label(debit)} or {column_label(credit)}")


# Chase credit cards: purchases negative; Type says Sale, Return, Payment, Fee or Adjustment.
_CHASE_TYPES = {"payment": PAYMENT, "return": REFUND, "fee": FEE, "adjustment": REFUND}
CHASE_CATEGORIES = check_mapping(
    {
        "Food & Drink": "dining",
        "Groceries": "groceries",
        "Gas": "gas",
        "Travel": BROAD + "travel_other",
        "Entertainment": BROAD + "entertainment",
        "Bills & Utilities": BROAD + "utilities",
        "Health & Wellness": BROAD + "other",
        "Home": BROAD + "other",
        "Shopping": BROAD + "other",
        "Automotive": BROAD + "other",
        "Personal": BROAD + "other",
        "Professional Services": BROAD + "other",
        "Education": BROAD + "other",
        "Gifts & Donations": BROAD + "other",
        "Miscellaneous": BROAD + "other",
        "Fees & Adjustments": SKIP + FEE,
    }
)


def _read_chase(cells: Cells) -> Fields:
    """A Chase credit card row."""
    return Fields(
        date=cells.get("transaction date", "trans date"),
        description=cells.get("description"),
        amount=-cells.amount("amount"),
        skip=_by_type(cells.get("type"), _CHASE_TYPES),
        bank_category=cells.get("category"),
        details=cells.get("memo"),
    )


# Chase checking and savings: debits negative; Type names the kind of movement.
_CHASE_CHECKING_TYPES: dict[str, str | None] = {
    "acct_xfer": TRANSFER,
    "atm": TRANSFER,
    "quickpay_debit": TRANSFER,
    "quickpay_credit": TRANSFER,
    "wire_outgoing": TRANSFER,
    "wire_incoming": TRANSFER,
    "check_paid": TRANSFER,
    "loan_pmt": PAYMENT,
    "fee_transaction": FEE,
}


def _read_chase_checking(cells: Cells) -> Fields:
    """A Chase checking row."""
    return Fields(
        date=cells.get("posting date"),
        description=cells.get("description"),
        amount=-cells.amount("amount"),
        skip=_by_type(cells.get("type"), _CHASE_CHECKING_TYPES),
    )


# American Express: purchases positive, credits negative. The detailed export adds address,
# country and a "Category" such as "Restaurant-Restaurant" or "Travel-Airline".
AMEX_CATEGORIES = check_mapping(
    {
        "Restaurant": "dining",
        "Restaurant-Restaurant": "dining",
        "Restaurant-Bar & Café": "dining",
        "Restaurant-Fast Food": "dining",
        "Merchandise & Supplies-Groceries": "groceries",
        "Merchandise & Supplies-Wholesale Stores": "wholesale_clubs",
        "Merchandise & Supplies-Pharmacies": "drugstores",
        "Merchandise & Supplies-Hardware Supplies": "home_improvement",
        "Merchandise & Supplies-Internet Purchase": BROAD + "online_retail",
        "Merchandise & Supplies": BROAD + "other",
        "Transportation-Fuel": "gas",
        "Transportation-Taxis & Coach": "transit",
        "Transportation-Parking Charges": "transit",
        "Transportation-Tolls & Fees": "transit",
        "Transportation-Rail Services": "transit",
        "Transportation-Auto Services": BROAD + "other",
        "Transportation": BROAD + "transit",
        "Travel-Airline": "airfare",
        "Travel-Lodging": "hotels",
        "Travel-Vehicle Rental": "car_rental",
        "Travel-Travel Agencies": BROAD + "travel_other",
        "Travel": BROAD + "travel_other",
        "Communications-Cable & Internet Comm": "phone_internet",
        "Communications": BROAD + "phone_internet",
        "Business Services-Utilities": "utilities",
        "Business Services": BROAD + "other",
        "Entertainment": BROAD + "entertainment",
        "Fees & Adjustments": SKIP + FEE,
        "Other": BROAD + "other",
    }
)


def _read_amex(cells: Cells) -> Fields:
    """An American Express row."""
    return Fields(
        date=cells.get("date"),
        description=cells.get("description"),
        amount=cells.amount("amount"),
        bank_category=cells.get("category"),
        location=" ".join(cells.get(name) for name in ("address", "city/state", "city")).strip(),
        country=cells.get("country"),
        details=cells.get("extended details"),
    )


# Capital One: Debit holds purchases, Credit payments and refunds, both as positive numbers.
CAPITAL_ONE_CATEGORIES = check_mapping(
    {
        "Dining": "dining",
        "Grocery": "groceries",
        "Gas/Automotive": BROAD + "gas",
        "Airfare": "airfare",
        "Lodging": "hotels",
        "Car Rental": "car_rental",
        "Other Travel": BROAD + "travel_other",
        "Entertainment": BROAD + "entertainment",
        "Internet": "phone_internet",
        "Phone/Cable": "phone_internet",
        "Utilities": "utilities",
        "Health Care": BROAD + "other",
        "Merchandise": BROAD + "other",
        "Other Services": BROAD + "other",
        "Professional Services": BROAD + "other",
        "Insurance": BROAD + "other",
        "Education": BROAD + "other",
        "Other": BROAD + "other",
        "Payment/Credit": SKIP + PAYMENT,
        "Fee/Interest Charge": SKIP + FEE,
    }
)


def _read_capital_one(cells: Cells) -> Fields:
    """A Capital One row."""
    return Fields(
        date=cells.get("transaction date"),
        description=cells.get("description"),
        amount=debit_credit(cells, "debit", "credit"),
        bank_category=cells.get("category"),
    )


def _read_citi(cells: Cells) -> Fields:
    """A Citi row."""
    # Citi writes credits as negative numbers in the Credit column; either sign is a credit.
    return Fields(
        date=cells.get("date"),
        description=cells.get("description"),
        amount=debit_credit(cells, "debit", "credit"),
    )


# Discover: purchases positive, payments and credits negative.
DISCOVER_CATEGORIES = check_mapping(
    {
        "Restaurants": "dining",
        "Supermarkets": "groceries",
        "Gasoline": "gas",
        "Travel/ Entertainment": BROAD + "travel_other",
        "Travel/Entertainment": BROAD + "travel_other",
        "Warehouse Clubs": "wholesale_clubs",
        "Home Improvement": "home_improvement",
        "Drug Stores": "drugstores",
        "Department Stores": BROAD + "other",
        "Merchandise": BROAD + "other",
        "Services": BROAD + "other",
        "Medical Services": BROAD + "other",
        "Automotive": BROAD + "other",
        "Education": BROAD + "other",
        "Government Services": BROAD + "other",
        "Charitable Donations": BROAD + "other",
        "Payments and Credits": SKIP + PAYMENT,
        "Awards and Rebate Credits": SKIP + REFUND,
        "Fees": SKIP + FEE,
        "Interest": SKIP + FEE,
    }
)


def _read_discover(cells: Cells) -> Fields:
    """A Discover row."""
    return Fields(
        date=cells.get("trans date"),
        description=cells.get("description"),
        amount=cells.amount("amount"),
        bank_category=cells.get("category"),
    )


def _read_bank_of_america(cells: Cells) -> Fields:
    """A Bank of America credit card row."""
    # Bank of America credit cards: purchases negative, payments positive.
    return Fields(
        date=cells.get("posted date"),
        description=cells.get("payee"),
        amount=-cells.amount("amount"),
        location=cells.get("address"),
    )


def _read_bank_of_america_checking(cells: Cells) -> Fields:
    """A Bank of America checking row."""
    # Bank of America checking: debits negative; the first row restates the opening balance
    # with no amount.
    description = cells.get("description")
    amount = cells.optional_amount("amount")
    if amount is None and "balance" in description.lower():
        return Fields(
            date=cells.get("date"), description=description, amount=Decimal(0), skip=BALANCE
        )
    return Fields(date=cells.get("date"), description=description, amount=-cells.amount("amount"))


def _read_us_bank(cells: Cells) -> Fields:
    """A U.S. Bank row."""
    # U.S. Bank: Transaction says DEBIT or CREDIT and debits are negative. A CREDIT is left to
    # the keywords and the sign, which tell a payment from a refund.
    amount = -cells.amount("amount")
    if cells.get("transaction").upper() == "CREDIT":
        amount = -abs(amount)
    return Fields(
        date=cells.get("date"),
        description=cells.get("name"),
        amount=amount,
        details=cells.get("memo"),
    )


# Apple Card: purchases positive; Type is Purchase, Installment, Payment, Credit, Debit, Interest.
_APPLE_TYPES: dict[str, str | None] = {
    "purchase": None,
    "installment": None,
    "payment": PAYMENT,
    "credit": REFUND,
    "refund": REFUND,
    "return": REFUND,
    "daily cash adjustment": REFUND,
    "debit": FEE,
    "interest": FEE,
    "fee": FEE,
}
APPLE_CATEGORIES = check_mapping(
    {
        "Restaurants": "dining",
        "Grocery": "groceries",
        "Groceries": "groceries",
        "Gas": "gas",
        "Airlines": "airfare",
        "Hotels": "hotels",
        "Car Rental": "car_rental",
        "Transportation": BROAD + "transit",
        "Travel": BROAD + "travel_other",
        "Entertainment": BROAD + "entertainment",
        "Utilities": BROAD + "utilities",
        "Shopping": BROAD + "other",
        "Medical": BROAD + "other",
        "Health": BROAD + "other",
        "Alcohol": BROAD + "other",
        "Installment": BROAD + "other",
        "Other": BROAD + "other",
        "Payment": SKIP + PAYMENT,
        "Credit": SKIP + REFUND,
    }
)
_APPLE_AMOUNT = ("amount (usd)", "purchase amount", "amount")


def _read_apple(cells: Cells) -> Fields:
    """An Apple Card row."""
    return Fields(
        date=cells.get("transaction date"),
        description=cells.get("description"),
        amount=cells.amount(*_APPLE_AMOUNT),
        skip=_by_type(cells.get("type"), _APPLE_TYPES),
        bank_category=cells.get("category"),
        merchant=cells.get("merchant"),
    )


def _read_wells_fargo(cells: Cells) -> Fields:
    """A Wells Fargo row."""
    # No header: "date","amount","*","check number","description"; purchases negative.
    return Fields(date=cells.get("0"), description=cells.get("4"), amount=-cells.amount("1"))


@dataclass(frozen=True)
class BankFormat:
    """One bank's CSV layout."""

    id: str
    label: str
    # Header names that must all be present; a tuple lists names that stand for one another.
    required: tuple[str | tuple[str, ...], ...]
    read: Callable[[Cells], Fields]
    categories: dict[str, str] = field(default_factory=dict)
    # When set, a header with any column outside required + optional is not this format.
    # Needed where the required set is as plain as "Date, Description, Amount".
    only: tuple[str, ...] | None = None
    has_header: bool = True

    def matches(self, names: set[str]) -> bool:
        """Whether a header (a set of normalised names) is this format's."""
        for name in self.required:
            alternatives = (name,) if isinstance(name, str) else name
            if not names.intersection(alternatives):
                return False
        return self.only is None or names <= set(self.only)


_AMEX_COLUMNS = (
    "date",
    "description",
    "amount",
    "card member",
    "account #",
    "extended details",
    "appears on your statement as",
    "address",
    "city/state",
    "zip code",
    "country",
    "reference",
    "category",
)

# Most specific first: the first format whose header matches is the file's.
FORMATS: tuple[BankFormat, ...] = (
    BankFormat(
        "apple",
        "Apple Card",
        ("transaction date", "clearing date", "description", "merchant", "type", _APPLE_AMOUNT),
        _read_apple,
        APPLE_CATEGORIES,
    ),
    BankFormat(
        "chase",
        "Chase",
        (("transaction date", "trans date"), "post date", "description", "type", "amount"),
        _read_chase,
        CHASE_CATEGORIES,
    ),
    BankFormat(
        "chase_checking",
        "Chase checking",
        ("details", "posting date", "description", "amount", "type", "balance"),
        _read_chase_checking,
    ),
    BankFormat(
        "capital_one",
        "Capital One",
        ("transaction date", "posted date", "description", "debit", "credit"),
        _read_capital_one,
        CAPITAL_ONE_CATEGORIES,
    ),
    BankFormat(
        "discover",
        "Discover",
        ("trans date", "post date", "description", "amount", "category"),
        _read_discover,
        DISCOVER_CATEGORIES,
    ),
    BankFormat(
        "bank_of_america",
        "Bank of America",
        ("posted date", "reference number", "payee", "amount"),
        _read_bank_of_america,
    ),
    BankFormat(
        "bank_of_america_checking",
        "Bank of America checking",
        ("date", "description", "amount", "running bal"),
        _read_bank_of_america_checking,
    ),
    BankFormat("us_bank", "U.S. Bank", ("date", "transaction", "name", "amount"), _read_us_bank),
    BankFormat("citi", "Citi", ("status", "date", "description", "debit", "credit"), _read_citi),
    BankFormat(
        "amex",
        "American Express",
        ("date", "description", "amount"),
        _read_amex,
        AMEX_CATEGORIES,
        only=_AMEX_COLUMNS,
    ),
)
WELLS_FARGO = BankFormat("wells_fargo", "Wells Fargo", (), _read_wells_fargo, has_header=False)
GENERIC_ID = "generic"

_CHECK_NUMBER = re.compile(r"\d*")


def detect(first_row: Sequence[str]) -> BankFormat | None:
    """The format of a file from its first non-blank row, or None for an unknown layout."""
    names = {header_name(cell) for cell in first_row} - {""}
    for candidate in FORMATS:
        if candidate.matches(names):
            return candidate
    if _looks_like_wells_fargo(first_row):
        return WELLS_FARGO
    return None


def _looks_like_wells_fargo(row: Sequence[str]) -> bool:
    """Wells Fargo's headerless rows: date, amount, "*", check number or "", description."""
    if len(row) != 5 or row[2].strip() not in ("*", "") or not _CHECK_NUMBER.fullmatch(row[3]):
        return False
    try:
        parse_date(row[0])
        return parse_amount(row[1]) is not None
    except StatementError:
        return False
