"""Place names that tell a US purchase from one abroad, at the end of a card descriptor."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """The space-separated words of a text, as a set (long code lists read better as text)."""
    return frozenset(text.split())


US_STATES: frozenset[str] = _words(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ"
    " NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP USA US"
)
# Three-letter ISO country codes as card networks print them. Left out: USA and codes that are
# also common words or US abbreviations at the end of a descriptor (AND, ARE, COM, IND, MAR, PHL).
FOREIGN_COUNTRY_CODES: frozenset[str] = _words(
    "GBR FRA MEX CAN JPN ITA ESP DEU NLD IRL CHE AUT PRT GRC SWE DNK ISL AUS NZL HKG SGP KOR"
    " TWN CHN BRA ARG CHL CRI BHS ISR TUR EGY ZAF IDN VNM MYS THA CZE POL HUN HRV BEL NOR LUX"
    " FIN MLT CYP EST LVA LTU SVN SVK ROU BGR SRB MNE ALB MKD UKR MAR JOR ARE QAT SAU IND LKA"
    " NPL PHL KHM LAO PER ECU BOL PRY URY GTM BLZ SLV HND NIC PAN DOM JAM BRB TTO ABW CUW CYM"
    " BMU TCA KNA LCA ATG GRD VCT DMA"
    " GB UK FR MX JP NL IE CH AU NZ HK SG TH CR JM BS PT GR SE DK FI CN KR TW BR CL ES"
) - _words("AND ARE COM IND MAR PHL")
# Canadian provinces: none is also a US state code. "ON" is also an English word, so it only
# counts after a Canadian city (see CANADIAN_CITIES).
CANADIAN_PROVINCES: frozenset[str] = _words("QC BC AB NS MB SK NB NL PE YT NT NU")
CANADIAN_CITIES: frozenset[str] = _words(
    "TORONTO OTTAWA MISSISSAUGA HAMILTON LONDON KITCHENER WINDSOR NIAGARA FALLS MARKHAM"
    " BRAMPTON VAUGHAN OAKVILLE BURLINGTON KINGSTON WATERLOO"
)
FOREIGN_CITIES: frozenset[str] = frozenset(
    (
        "LONDON",
        "PARIS",
        "ROME",
        "ROMA",
        "MADRID",
        "BARCELONA",
        "LISBON",
        "LISBOA",
        "PORTO",
        "AMSTERDAM",
        "BERLIN",
        "MUNICH",
        "MUENCHEN",
        "FRANKFURT",
        "VIENNA",
        "WIEN",
        "PRAGUE",
        "PRAHA",
        "BUDAPEST",
        "ZURICH",
        "GENEVA",
        "GENEVE",
        "DUBLIN",
        "EDINBURGH",
        "BRUSSELS",
        "BRUXELLES",
        "COPENHAGEN",
        "KOBENHAVN",
        "STOCKHOLM",
        "OSLO",
        "HELSINKI",
        "REYKJAVIK",
        "ATHENS",
        "ATHINA",
        "ISTANBUL",
        "MILAN",
        "MILANO",
        "FLORENCE",
        "FIRENZE",
        "VENICE",
        "VENEZIA",
        "NAPOLI",
        "TORONTO",
        "VANCOUVER",
        "MONTREAL",
        "CALGARY",
        "QUEBEC",
        "CANCUN",
        "MEXICO CITY",
        "CIUDAD DE MEXICO",
        "CDMX",
        "PLAYA DEL CARMEN",
        "TULUM",
        "CABO SAN LUCAS",
        "PUERTO VALLARTA",
        "TOKYO",
        "KYOTO",
        "OSAKA",
        "SEOUL",
        "HONG KONG",
        "SINGAPORE",
        "BANGKOK",
        "SYDNEY",
        "MELBOURNE",
        "AUCKLAND",
        "DUBAI",
        "TEL AVIV",
        "BUENOS AIRES",
        "RIO DE JANEIRO",
        "SAO PAULO",
    )
)
# Values of a country column that are the United States (or territories without a
# foreign-transaction fee).
DOMESTIC_COUNTRIES: frozenset[str] = frozenset(
    (
        "",
        "US",
        "USA",
        "U S",
        "U S A",
        "UNITED STATES",
        "UNITED STATES OF AMERICA",
        "PUERTO RICO",
        "GUAM",
        "VIRGIN ISLANDS",
        "US VIRGIN ISLANDS",
        "AMERICAN SAMOA",
        "NORTHERN MARIANA ISLANDS",
    )
)
CURRENCY_CODES: tuple[str, ...] = tuple(
    sorted(
        _words(
            "EUR GBP CAD MXN JPY CHF AUD NZD SEK NOK DKK ISK HKD SGD CNY KRW TWD INR THB IDR"
            " VND MYR PHP BRL ARS CLP COP PEN CRC DOP JMD BSD ILS TRY AED SAR QAR EGP ZAR CZK"
            " PLN HUF RON BGN HRK RSD"
        )
    )
)
