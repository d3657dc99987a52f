"""Payments, refunds, credits, transfers and fees are no spending and are skipped."""

from __future__ import annotations

import pytest

from statements import read_statements
from statements.normalise import normalise
from statements.skips import FEE, PAYMENT, TRANSFER, skip_reason
from tests.statements.helpers import money, totals


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("Payment Thank You-Mobile", PAYMENT),
        ("AUTOPAY PAYMENT - THANK YOU", PAYMENT),
        ("ONLINE PAYMENT, THANK YOU", PAYMENT),
        ("INTERNET PAYMENT - THANK YOU", PAYMENT),
        ("THANK YOU FOR YOUR PAYMENT", PAYMENT),
        ("PAYMENT RECEIVED", PAYMENT),
        ("CHASE CREDIT CRD AUTOPAY PPD ID: 4760039224", PAYMENT),
        ("AMEX EPAYMENT ACH PMT", PAYMENT),
        ("DISCOVER E-PAYMENT 1234", PAYMENT),
        ("ONLINE TRANSFER TO SAVINGS XXXXXX5678", TRANSFER),
        ("Online Transfer from CHK ...1234", TRANSFER),
        ("ZELLE TO JORDAN SAMPLE", TRANSFER),
        ("ATM WITHDRAWAL 001234 06/06", TRANSFER),
        ("CASH ADVANCE", TRANSFER),
        ("CHECK # 1001", TRANSFER),
        ("INTEREST CHARGE:PURCHASES", FEE),
        ("PURCHASE INTEREST CHARGE", FEE),
        ("LATE FEE", FEE),
        ("ANNUAL MEMBERSHIP FEE", FEE),
        ("FOREIGN TRANSACTION FEE", FEE),
    ],
)
def test_payments_transfers_and_fees_are_recognised_by_their_words(
    description: str, reason: str
) -> None:
    assert skip_reason(normalise(description)) == reason


@pytest.mark.parametrize(
    "description",
    [
        "COMCAST AUTOPAY",
        "VERIZON WIRELESS PAYMENTS",
        "PAYMENTUS UTILITY BILL",
        "TRANSFERWISE PRINTS",
        "CHECKERS DRIVE-IN #123",
        "COSTCO MEMBERSHIP",
    ],
)
def test_bills_and_shops_with_those_words_inside_are_purchases(description: str) -> None:
    assert skip_reason(normalise(description)) is None


def test_rows_with_the_credit_sign_are_refunds_whatever_their_words() -> None:
    data = (
        b"Date,Description,Amount\n"
        b"05/01/2026,KROGER #456,10.00\n"
        b"05/02/2026,KROGER #456,-4.00\n"
        b"05/03/2026,KROGER #456,0.00\n"
    )

    summary = read_statements([("amex.csv", data)])

    # Refunds are skipped, not netted: 10.00 stays 10.00.
    assert totals(summary) == {"groceries": money("10.00")}
    assert summary.files[0].skipped == {"refunds and credits": 2}
