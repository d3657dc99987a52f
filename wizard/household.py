"""The "typical US household" spending preset.

Source: U.S. Bureau of Labor Statistics, Consumer Expenditure Surveys, 2023, Table 1101
("Quintiles of income before taxes: Annual expenditure means, shares, standard errors, and
coefficients of variation"), column "All consumer units". Annual means are divided by 12 and
rounded to whole dollars. The CE items map to our categories as noted; CE items that are not
card spending (shelter, vehicle purchases, insurance, pensions, cash contributions) are left out,
and the card-payable rest of the budget (apparel, household supplies and furnishings, personal
care, other health spending) is summed into `other`. Where the survey has no matching item the
split is our estimate, marked below. The figures were entered from the published 2023 table
without network access to re-check it: verify them against the BLS release before relying on
them, and when adopting a newer year.
"""

from __future__ import annotations

from decimal import Decimal

TYPICAL_US_HOUSEHOLD_MONTHLY: dict[str, Decimal] = {
    # Food at home, $6,053 a year.
    "groceries": Decimal("504"),
    # Food away from home, $3,933 a year.
    "dining": Decimal("328"),
    # Gasoline, other fuels, and motor oil, about $2,900 a year.
    "gas": Decimal("240"),
    # Airline fares, part of "Public and other transportation".
    "airfare": Decimal("45"),
    # Lodging on out-of-town trips.
    "hotels": Decimal("40"),
    # Vehicle rental, leases excluded.
    "car_rental": Decimal("8"),
    # Local public transportation, taxis and rideshare, parking and tolls.
    "transit": Decimal("30"),
    # Other trip spending (tours, ship fares, trip fees).
    "travel_other": Decimal("10"),
    # Streaming and other video/audio subscriptions, part of "Audio and visual equipment and
    # services".
    "streaming": Decimal("35"),
    # Prescription and nonprescription drugs.
    "drugstores": Decimal("45"),
    # The CE survey does not split by channel; a share of apparel and household goods bought online.
    "online_retail": Decimal("120"),
    # Not a CE item; wholesale club purchases are inside food at home, so nothing extra here.
    "wholesale_clubs": Decimal("0"),
    # Household furnishings, equipment and maintenance supplies.
    "home_improvement": Decimal("60"),
    # Natural gas, electricity, fuel oil, water and other public services (telephone excluded).
    "utilities": Decimal("260"),
    # Telephone services plus internet and cable, from "Utilities" and "Entertainment".
    "phone_internet": Decimal("160"),
    # Fees and admissions, and other entertainment supplies and services.
    "entertainment": Decimal("70"),
    # Spend abroad is not a CE item; most households have none.
    "foreign": Decimal("0"),
    # Apparel, personal care, housekeeping supplies, other card-payable spending.
    "other": Decimal("450"),
}
