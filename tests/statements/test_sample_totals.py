"""Exact category totals of the sample export of every supported format."""

from __future__ import annotations

from tests.statements.helpers import money, read, totals


def test_chase_counts_negative_amounts_as_purchases_and_refines_travel_by_merchant() -> None:
    summary = read("chase.csv")

    assert totals(summary) == {
        "groceries": money("86.45"),
        # 6.75 + 32.10 + 5.95 (Starbucks twice, Joe's Pizza with a quoted comma)
        "dining": money("44.80"),
        "gas": money("48.00"),
        # "Travel" + DELTA AIR: the merchant rule is more specific; "-1,234.56" is quoted
        "airfare": money("1234.56"),
        "hotels": money("389.20"),
        "transit": money("23.40"),
        # "Travel" and no merchant rule: the bank category's default
        "travel_other": money("75.00"),
        "streaming": money("15.49"),
        "drugstores": money("18.27"),
        "online_retail": money("42.18"),
        "phone_internet": money("85.00"),
        "other": money("64.33"),
    }
    (report,) = summary.files
    assert (report.format, report.label, report.purchases) == ("chase", "Chase", 14)
    # Payment 1,500.00; Return 12.99 and Adjustment 50.00; annual fee 95.00
    assert report.skipped == {"payments": 1, "refunds and credits": 2, "fees and interest": 1}


def test_amex_with_bom_and_multiline_details_counts_positive_amounts_as_purchases() -> None:
    summary = read("amex.csv")

    assert totals(summary) == {
        "groceries": money("67.89"),
        "dining": money("5.50"),
        "hotels": money("1045.60"),
        "car_rental": money("210.35"),
        "transit": money("8.00"),
        "wholesale_clubs": money("156.78"),
        "home_improvement": money("33.10"),
        # Country UNITED KINGDOM, although the category says Restaurant
        "foreign": money("14.20"),
        # "Merchandise & Supplies-Book Stores" falls back to "Merchandise & Supplies"
        "other": money("23.45"),
    }
    (report,) = summary.files
    assert (report.format, report.purchases) == ("amex", 9)
    # Autopay -850.00; hotel refund -120.00; late fee 29.00 ("Fees & Adjustments")
    assert report.skipped == {"payments": 1, "refunds and credits": 1, "fees and interest": 1}


def test_amex_three_column_export_falls_back_on_merchant_rules() -> None:
    summary = read("amex_basic.csv")

    assert totals(summary) == {
        "streaming": money("11.99"),
        "dining": money("24.60"),
        "other": money("19.99"),
    }
    assert summary.files[0].skipped == {"payments": 1, "refunds and credits": 1}


def test_capital_one_reads_debit_and_credit_columns() -> None:
    summary = read("capital_one.csv")

    assert totals(summary) == {
        "groceries": money("112.34"),
        "dining": money("13.85"),
        "gas": money("41.20"),
        "airfare": money("1089.40"),
        "phone_internet": money("89.99"),
        "utilities": money("134.56"),
        "entertainment": money("31.50"),
        # Jiffy Lube 79.99 (a car-care brand beats the broad "Gas/Automotive") + farm stand 22.00
        "other": money("101.99"),
    }
    (report,) = summary.files
    assert report.purchases == 9
    # Payment/Credit 500.00; Kroger credit 15.00; interest 3.12
    assert report.skipped == {"payments": 1, "refunds and credits": 1, "fees and interest": 1}


def test_citi_in_windows_1252_reads_debit_and_negative_credit_columns() -> None:
    summary = read("citi.csv")

    assert totals(summary) == {
        # "CAFÉ" in Windows-1252: the accent is folded before the keyword "CAFE" matches
        "dining": money("18.40"),
        "groceries": money("54.23"),
        "gas": money("38.76"),
        # pending rows count: they are purchases not yet posted
        "drugstores": money("12.49"),
        "streaming": money("17.99"),
        # REI "1,299.00" + the curly-quoted toy shop 45.00
        "other": money("1344.00"),
    }
    assert summary.files[0].skipped == {"payments": 1, "refunds and credits": 1}
    assert [m.name for m in summary.merchants if m.total == money("45.00")] == [
        "Smart Toys Noe Valley"
    ]


def test_discover_counts_positive_amounts_and_maps_its_categories() -> None:
    summary = read("discover.csv")

    assert totals(summary) == {
        "groceries": money("76.54"),
        "dining": money("21.30"),
        "gas": money("44.10"),
        "wholesale_clubs": money("201.87"),
        "home_improvement": money("88.42"),
        # "Travel/ Entertainment" refined: an airline, then a cinema
        "airfare": money("356.20"),
        "entertainment": money("28.50"),
        "other": money("64.00"),
    }
    # Payment -350.00; Cashback Bonus -25.00 and the Publix refund -9.99
    assert summary.files[0].skipped == {"payments": 1, "refunds and credits": 2}


def test_bank_of_america_counts_negative_amounts_and_reads_the_address() -> None:
    summary = read("bank_of_america.csv")

    assert totals(summary) == {
        "groceries": money("92.15"),
        "dining": money("38.60"),
        # Address "PARIS FRA"
        "foreign": money("27.35"),
        "gas": money("52.00"),
        "home_improvement": money("143.27"),
        "utilities": money("118.40"),
        "phone_internet": money("79.99"),
    }
    assert summary.files[0].skipped == {
        "payments": 1,
        "fees and interest": 1,
        "refunds and credits": 1,
    }


def test_wells_fargo_without_header_strips_bank_wording_and_skips_transfers() -> None:
    summary = read("wells_fargo.csv")

    assert totals(summary) == {
        "groceries": money("63.18"),
        "dining": money("4.75"),
        # "PURCHASE INTL AUTHORIZED ON ... TORONTO ON"
        "foreign": money("31.90"),
        "phone_internet": money("56.34"),
        "transit": money("18.50"),
    }
    (report,) = summary.files
    assert (report.format, report.purchases) == ("wells_fargo", 5)
    # Payroll +2,450.00 and a return +12.00; online transfer, Zelle and a paper check
    assert report.skipped == {"refunds and credits": 2, "transfers": 3}


def test_us_bank_reads_debits_and_skips_credits() -> None:
    summary = read("us_bank.csv")

    assert totals(summary) == {
        "groceries": money("87.65"),
        # Casey's 40.12 + Kwik Star 35.00 ("WATERLOO IA" is Iowa, not Ontario)
        "gas": money("75.12"),
        "other": money("112.30"),
        "streaming": money("13.99"),
        "utilities": money("96.10"),
    }
    # The payment is told from the refund by the memo "ELECTRONIC PAYMENT"
    assert summary.files[0].skipped == {"payments": 1, "refunds and credits": 1}


def test_apple_card_counts_purchases_and_installments_and_uses_the_merchant_column() -> None:
    summary = read("apple_card.csv")

    assert totals(summary) == {
        "dining": money("27.45"),
        # Apple services 9.99 + the installment 83.29, one merchant
        "other": money("93.28"),
        # "Medical" is broad; Walgreens is a drugstore
        "drugstores": money("23.17"),
        "gas": money("52.80"),
        "airfare": money("1123.40"),
    }
    assert [(m.name, m.count) for m in summary.merchants if m.category == "other"] == [("Apple", 2)]
    # Payment; Walgreens credit and a Daily Cash adjustment
    assert summary.files[0].skipped == {"payments": 1, "refunds and credits": 2}


def test_chase_checking_counts_card_and_bill_debits_only() -> None:
    summary = read("chase_checking.csv")

    assert totals(summary) == {
        "groceries": money("45.67"),
        "utilities": money("142.11"),
        "dining": money("7.25"),
    }
    # Payroll credit; transfer to savings and ATM; the credit card autopay
    assert summary.files[0].skipped == {"refunds and credits": 1, "transfers": 2, "payments": 1}


def test_bank_of_america_checking_skips_its_balance_summary_and_counts_debits() -> None:
    summary = read("bank_of_america_checking.csv")

    assert totals(summary) == {
        # CHECKCARD prefixes stripped: Giant Food, Sweetgreen; the utility bill paid by ACH
        "groceries": money("84.12"),
        "dining": money("16.45"),
        "utilities": money("111.80"),
    }
    # The opening balance line; payroll +3,100.00; the credit card bill payment
    assert summary.files[0].skipped == {
        "balance lines": 1,
        "refunds and credits": 1,
        "payments": 1,
    }


def test_several_files_at_once_add_up_per_category() -> None:
    summary = read("chase.csv", "discover.csv", "wells_fargo.csv")

    result = totals(summary)

    # 86.45 (Chase) + 76.54 (Discover) + 63.18 (Wells Fargo)
    assert result["groceries"] == money("226.17")
    # 44.80 + 21.30 + 4.75
    assert result["dining"] == money("70.85")
    # 1234.56 + 356.20
    assert result["airfare"] == money("1590.76")
    assert [report.format for report in summary.files] == ["chase", "discover", "wells_fargo"]
