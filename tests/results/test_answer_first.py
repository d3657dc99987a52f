"""The answer first: one decision in words, money lines that add up, points in their currency."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

from catalog.engine_catalog import load_engine_catalog
from results.events import TOP_N
from results.payloads import _answer, ranking_payload, top_pick
from rewards.engine import recommend
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db

SPEND = {
    "groceries": Decimal("600"),
    "dining": Decimal("250"),
    "gas": Decimal("150"),
    "foreign": Decimal("100"),
    "other": Decimal("800"),
}


def make_profile(**preferences: Any) -> SpendingProfile:
    profile = SpendingProfile(**({"wallet_size": 3} | preferences))
    profile.set_spend(SPEND)
    profile.save()
    return profile


def payload_and_engine(profile: SpendingProfile) -> tuple[dict[str, Any], Any]:
    catalog = load_engine_catalog(profile.held_cards)
    engine_input = profile.engine_input(catalog, top_n=TOP_N)
    recommendation = recommend(catalog, engine_input.spend, engine_input.options)
    return ranking_payload(recommendation, catalog, engine_input.options), recommendation


def money(text: str) -> Decimal:
    """ "$1,234.50" or "−$12.00" as a Decimal."""
    sign = -1 if text.startswith(("−", "-")) else 1
    return sign * Decimal(text.lstrip("−-+").lstrip("$").replace(",", ""))


def chosen(payload: dict[str, Any]) -> dict[str, Any]:
    return next(w for g in payload["sizes"] for w in g["wallets"] if w["chosen"])


def answer_html(html: str) -> str:
    return html[html.index('<section class="answer"') : html.index('id="alternatives-title"')]


def math_lines(section: str) -> dict[str, Decimal]:
    """The first math table's foot in a piece of page: its label → its figure."""
    foot = section[section.index("<tfoot>") : section.index("</tfoot>")]
    rows = re.findall(r'colspan="4">([^<]+)</th><td class="num">(?:<strong>)?([^<]+)<', foot)
    return {unescape(label): money(unescape(figure)) for label, figure in rows}


@pytest.mark.parametrize("held", [[], ["chase-sapphire-preferred"]])
def test_every_wallet_adds_up_to_the_cent_and_stays_within_a_cent_of_the_engine(
    shipped_catalog: None, held: list[str]
) -> None:
    payload, recommendation = payload_and_engine(make_profile(held_cards=held))
    engine = {tuple(w.cards): w for wallets in recommendation.wallets.values() for w in wallets}
    current = Decimal(payload["current_value"] or 0)
    for group in payload["sizes"]:
        for wallet in group["wallets"]:
            d = {
                key: Decimal(wallet[key])
                for key in wallet
                if key.endswith(("fees", "value")) and wallet[key] is not None
            }
            credits, bonuses = Decimal(wallet["credits"]), Decimal(wallet["bonuses"])
            value = d["reward_value"] - d["new_fees"] - d["held_fees"] + credits
            assert d["ongoing_value"] == value
            assert Decimal(wallet["per_year"]) == value - current
            saving = Decimal(wallet["first_year_fee_saving"])
            # Cards opened one after another (rewards.roadmap.year_one) cost what the full
            # year with every counted bonus would earn above the true year one.
            timing = Decimal(wallet["year_one_timing"])
            assert timing >= 0
            assert Decimal(wallet["first_year"]) == value + saving + bonuses - timing - current
            cards = wallet["cards"] + wallet["held_cards"]
            assert sum(Decimal(c["annual_fee"]) for c in wallet["cards"]) == d["new_fees"]
            assert sum(Decimal(c["annual_fee"]) for c in wallet["held_cards"]) == d["held_fees"]
            assert sum(Decimal(c["bonus"]) for c in cards) == bonuses
            plan_total = sum(Decimal(row["value"]) for row in wallet["plan"])
            assert sum(Decimal(c["rewards"]) for c in cards) == plan_total
            # Worked out from the rounded parts the page shows; the engine rounds the whole.
            found = engine[tuple(c["id"] for c in wallet["cards"])]
            assert abs(d["ongoing_value"] - found.ongoing_value) <= Decimal("0.01")
            assert abs(Decimal(wallet["per_year"]) - found.ongoing_gain) <= Decimal("0.02")


def test_the_answer_is_the_best_wallet_of_the_size_asked_for_and_the_insights_explain_it(
    shipped_catalog: None,
) -> None:
    payload, recommendation = payload_and_engine(make_profile(wallet_size=2))
    best = recommendation.wallets[2][0]
    pick = chosen(payload)
    assert [c["id"] for c in pick["cards"]] == list(best.cards)
    assert top_pick(payload) == list(best.cards)
    assert payload["answer"]["headline"] == (
        f"Get the {pick['cards'][0]['name']} and the {pick['cards'][1]['name']}."
    )
    assert payload["answer"]["gain"] == (
        f"You gain ${best.ongoing_value:,.2f} a year "
        f"(${best.year_one_value:,.2f} in the first year)."
    )
    # Every category the person spends in is in the sentence, under one card.
    used = " ".join(c["uses"] for c in pick["cards"] if c["uses"])
    for word in ("groceries", "dining", "gas", "everything else"):
        assert word in used


def test_a_held_card_keeps_its_categories_and_its_fee_apart_from_the_new_cards(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(held_cards=["chase-sapphire-preferred"])
    html = client.get(f"/results/{profile.token}/?now=1").text
    answer = answer_html(html)
    text = unescape(re.sub(r"<[^>]+>", "", answer))
    assert "keep your Chase Sapphire Preferred Card for dining" in text
    # The Sapphire Preferred earns 3x on dining: $250 × 12 × 3 = 9,000 points, at the
    # catalog's 1.3¢ that is $117.00.
    assert "9,000 Chase Ultimate Rewards points ≈ $117.00 at 1.3¢" in text
    assert "Your cards' fees$95.00" in text.replace(" a year", "").replace("\n", "")
    payload, _ = payload_and_engine(profile)
    assert f"New cards' fees{money_text(chosen(payload)['new_fees'])}" in text.replace(
        " a year", ""
    ).replace("\n", "")

    lines = math_lines(answer)
    assert lines["Value per year"] == (
        lines["Rewards"]
        + lines["New cards' annual fees"]
        + lines["Your cards' annual fees"]
        + lines.get("Statement credits you'd use", Decimal(0))
    )
    assert (
        lines["Gain per year"] == lines["Value per year"] + lines["Your current cards already earn"]
    )
    assert lines["Gain in the first year"] == lines["Gain per year"] + lines.get(
        "Sign-up bonuses (first year)", Decimal(0)
    ) + lines.get("Lower first-year fees (first year)", Decimal(0)) + lines.get(
        "Cards opened one after another, minimum spends met (first year)", Decimal(0)
    )
    # The sentence, the figures and the math say the same.
    gain = re.search(r"You gain (\S+) a year \((\S+) in the first year\)", text)
    assert gain is not None
    assert money(gain[1]) == lines["Gain per year"]
    assert money(gain[2]) == lines["Gain in the first year"]
    assert f"<dd>{money_text(lines['Gain per year'])}</dd>" in answer
    # What the current cards earn, worked out alone: dining 3x = $117.00; gas, foreign and
    # everything else at 1x ($1,800 + $1,200 + $9,600 = $12,600 → $163.80), groceries 1x
    # $7,200 → $93.60; $374.40 − $95 fee = $279.40.
    assert lines["Your current cards already earn"] == Decimal("-279.40")


def money_text(value: str | Decimal) -> str:
    number = Decimal(value)
    return f"{'−' if number < 0 else ''}${abs(number):,.2f}"


def test_points_are_valued_at_the_persons_own_cents_per_point(shipped_catalog: None) -> None:
    profile = make_profile(
        held_cards=["chase-sapphire-preferred"], cents_per_point={"chase_ur": "2.0"}
    )
    payload, _ = payload_and_engine(profile)
    sapphire = chosen(payload)["held_cards"][0]
    # Dining $3,000 × 3 and, worth more than a no-fee rival at 2¢, abroad $1,200 × 1.
    assert sapphire["earns"] == "10,200 Chase Ultimate Rewards points ≈ $204.00 at 2.0¢"


def test_a_foreign_fee_is_taken_from_what_the_points_are_worth(shipped_catalog: None) -> None:
    profile = SpendingProfile(wallet_size=1, held_cards=["chase-freedom-unlimited"])
    profile.set_spend({"foreign": Decimal("100")})
    profile.save()
    payload, _ = payload_and_engine(profile)
    held = payload["held"]["held_cards"][0]
    # Freedom Unlimited: 1.5x everywhere, a 3% foreign fee: 1,800 points on $1,200 abroad,
    # worth $23.40 at 1.3¢, less $36.00 in fees.
    assert held["earns"] == "1,800 Chase Ultimate Rewards points ≈ $23.40 at 1.3¢"
    assert held["foreign_fees"] == "36.00"
    assert Decimal(held["rewards"]) == Decimal("23.40") - Decimal("36.00")


def test_the_page_leads_with_the_answer_and_keeps_the_rest_behind_disclosures(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    html = client.get(f"/results/{profile.token}/?now=1").text
    main = html[html.index("<main") :]
    assert main.index('class="answer"') < main.index("Other choices") < main.index("insights")
    assert main.count('<article class="wallet wallet-chosen">') == 1
    # Only the pick's math is open; every other wallet is one tap away.
    assert main.count("<details open>") == 1
    alternatives = main[main.index("Other choices") : main.index("What these figures rest on")]
    assert alternatives.count('<details class="choice-group">') == 3
    assert "One card instead" in main and "2 cards instead" in main
    assert "Other 3-card wallets" in main
    # Nothing live left on a finished page: no progress line, no stream.
    assert "progress" not in main and "sse-connect" not in main


def test_the_share_link_is_the_permalink_and_works_without_javascript(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    html = client.get(f"/results/{profile.token}/?now=1").text
    assert f'<a class="button" href="http://testserver/results/{profile.token}/" data-share' in html
    assert 'src="/static/js/results.js"' in html


def test_a_ranking_with_nothing_passing_the_filters_says_so() -> None:
    ranking = {"answer": None, "sizes": [{"size": 1, "wallets": [], "shown": 0}], "card_notes": []}
    html = render_to_string("results/results.html#ranking", {"ranking": ranking})
    assert "No card passes your filters" in html and "Other choices" not in html


def pick(per_year: str, first_year: str) -> dict[str, Any]:
    card = {"name": "New Card", "uses": "groceries", "held": False}
    held = {"name": "Old Card", "uses": "dining", "held": True}
    return {"cards": [card], "held_cards": [held], "per_year": per_year, "first_year": first_year}


def test_with_nothing_to_gain_the_answer_says_keep_the_cards_you_have() -> None:
    answer = _answer(pick("-12.00", "-12.00"), 1, 1, "ongoing")
    assert answer["headline"] == "Keep the cards you have."


def test_the_answer_reads_as_one_decision_with_a_held_card() -> None:
    answer = _answer(pick("276.00", "576.00"), 1, 1, "ongoing")
    assert answer["headline"] == "Get the New Card."
    assert answer["use"] == "Use it for groceries; keep your Old Card for dining."
    assert answer["gain"] == (
        "You gain $276.00 a year ($576.00 in the first year), over what your current cards earn."
    )
    ranked_by_year_one = _answer(pick("276.00", "576.00"), 1, 2, "year_one")
    assert ranked_by_year_one["gain"].startswith("You gain $576.00 in the first year ($276.00")
    assert ranked_by_year_one["smaller"] == (
        "No wallet of 2 cards passes your filters; this is the best of 1."
    )


def test_a_new_card_that_gets_no_spending_is_said_to_get_none() -> None:
    """Seen in a fresh run: "Get the A, the B and the C" where the C got no category."""
    used = {"name": "Grocery Card", "uses": "groceries", "held": False}
    bonus = {"name": "Bonus Card", "uses": "", "held": False}
    chosen = {
        "cards": [used, bonus],
        "held_cards": [],
        "per_year": "500.00",
        "first_year": "700.00",
    }
    answer = _answer(chosen, 2, 2, "ongoing")
    assert answer["headline"] == "Get the Grocery Card and the Bonus Card."
    assert answer["use"] == (
        "Use the Grocery Card for groceries. The Bonus Card would get no spending in this plan."
    )
    held = {"name": "Old Card", "uses": "groceries", "held": True}
    chosen = {"cards": [bonus, {**bonus, "name": "Other Card"}], "held_cards": [held]}
    answer = _answer({**chosen, "per_year": "5.00", "first_year": "900.00"}, 2, 2, "year_one")
    assert answer["use"] == (
        "Keep your Old Card for groceries. "
        "The Bonus Card and the Other Card would get no spending in this plan."
    )


def test_a_card_opened_for_its_bonus_alone_is_said_to_need_its_minimum_spend() -> None:
    """Ranked by first year, a card no category goes to can be there for its bonus: the first
    year routes its minimum spend to it, so "would get no spending" would be untrue."""
    used = {"name": "Grocery Card", "uses": "groceries", "held": False}
    bonus = {
        "name": "Bonus Card",
        "uses": "",
        "held": False,
        "bonus_terms": {"min_spend": "3000.00", "months": 3},
    }
    idle = {"name": "Idle Card", "uses": "", "held": False, "bonus_terms": None}
    chosen = {
        "cards": [used, bonus, idle],
        "held_cards": [],
        "per_year": "500.00",
        "first_year": "900.00",
    }
    answer = _answer(chosen, 3, 3, "year_one")
    assert answer["use"] == (
        "Use the Grocery Card for groceries. The Bonus Card is for its sign-up bonus: spend "
        "$3,000.00 on it in its first 3 months; after that this plan gives it no spending. "
        "The Idle Card would get no spending in this plan."
    )


def test_a_bonus_only_card_of_a_real_first_year_answer_names_its_minimum_spend(
    shipped_catalog: None,
) -> None:
    """Groceries alone, ranked by first year: the answer opens cards for their bonuses; each
    one the plan gives no category is named with the minimum spend the first year counts on."""
    profile = SpendingProfile(wallet_size=3, rank_by="year_one")
    profile.set_spend({"groceries": Decimal("400")})
    profile.save()
    payload, recommendation = payload_and_engine(profile)
    pick = recommendation.pick
    catalog = load_engine_catalog()
    spent = {row.card_id for row in pick.plan if row.spend > 0}
    counted = {o.card for o in pick.openings if o.bonus_counted}
    bonus_only = [card for card in pick.cards if card not in spent and card in counted]
    assert bonus_only  # the premise
    use = payload["answer"]["use"]
    for card_id in bonus_only:
        card = catalog.card(card_id)
        assert (
            f"The {card.name} is for its sign-up bonus: spend ${card.bonus.min_spend:,.2f} on it "
            f"in its first {card.bonus.months} months" in use
        )
    assert "would get no spending" not in use
