"""Rows that are no spending: payments, refunds and credits, transfers, fees and interest."""

from __future__ import annotations

import re

PAYMENT = "payments"
REFUND = "refunds and credits"
TRANSFER = "transfers"
FEE = "fees and interest"
# Opening and closing balance lines of checking exports: no movement of money at all.
BALANCE = "balance lines"
REASONS: tuple[str, ...] = (PAYMENT, REFUND, TRANSFER, FEE, BALANCE)

# Matched against the normalised description (upper case, single spaces, no hyphens). Narrow on
# purpose: a bill paid by "COMCAST AUTOPAY" from a checking account is spending that could go on
# a card, while "AUTOPAY PAYMENT THANK YOU" on a card statement is the card being paid off.
_ISSUERS = (
    r"(?:CRD|CARD|CREDIT CARD|AMEX|AMERICAN EXPRESS|CITI|DISCOVER|APPLECARD|CAPITAL ONE|CHASE)"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        PAYMENT,
        re.compile(
            r"PAYMENT ?THANK ?YOU|THANK YOU FOR YOUR PAYMENT|^AUTO ?PAY\b|^AUTOMATIC PAYMENT\b"
            r"|^(?:ONLINE|MOBILE|ELECTRONIC|INTERNET|DIRECT) (?:PAYMENT|PMT)\b|^PAYMENT\b"
            rf"|\b{_ISSUERS} (?:BILL )?(?:AUTO ?PAY|E ?PAYMENT|PAYMENT|PMT|ONLINE PMT)\b"
            r"|\bEPAYMENT\b"
        ),
    ),
    (
        TRANSFER,
        re.compile(
            r"\b(?:ONLINE|MOBILE|INTERNAL|WIRE|BOOK|ACCOUNT|ACCT|FUNDS) TRANSFER\b|^TRANSFER\b"
            r"|\bTRANSFER (?:TO|FROM)\b|\bXFER\b|\bZELLE\b|\bATM (?:WITHDRAWAL|WD|CASH)\b"
            r"|\bCASH (?:ADVANCE|WITHDRAWAL)\b|\bWIRE (?:OUT|IN)\b|^BALANCE TRANSFER\b"
            # A paper check from a checking account: no card could have paid it.
            r"|^CHECK ?#? ?\d+$"
        ),
    ),
    (
        FEE,
        re.compile(
            r"\b(?:INTEREST CHARGE[DS]?|PURCHASE INTEREST|FINANCE CHARGE|INTEREST PAID)\b"
            r"|\b(?:LATE|ANNUAL|ANNUAL MEMBERSHIP|FOREIGN TRANSACTION|FOREIGN TRANS|FOREIGN"
            r" EXCHANGE|INTL TRANSACTION|INTERNATIONAL TRANSACTION|RETURNED PAYMENT|OVERDRAFT"
            r"|MONTHLY SERVICE|MAINTENANCE|CASH ADVANCE|BALANCE TRANSFER|ATM) FEE\b"
        ),
    ),
)


def skip_reason(normalised_description: str) -> str | None:
    """Why a row with this description is no purchase, or None if it may be one."""
    for reason, pattern in _PATTERNS:
        if pattern.search(normalised_description):
            return reason
    return None
