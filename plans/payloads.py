"""A computed roadmap as the plan page shows it: a timeline of steps, the rules that kept cards
out, the gain, and the month-by-month chart. JSON-able (money as decimal strings), so it is
cached as it is (results.models.CachedResult) and renders without queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plans.chart import chart
from plans.forms import month_label
from results.payloads import card_infos
from rewards.catalog import Catalog
from rewards.categories import CATEGORY_LABELS
from rewards.roadmap import Application, Blocked, Plan, Roadmap
from rewards.roadmap.issuers import describe
from rewards.roadmap.timeline import month_text, parse_month


def _and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _step(app: Application, catalog: Catalog, urls: dict[str, str], today: int) -> dict[str, Any]:
    card = catalog.card(app.card)
    step: dict[str, Any] = {
        "month": app.month,
        "label": month_label(app.calendar_month),
        "card": app.card,
        "name": app.name,
        "issuer": card.issuer,
        "url": urls[app.card],
        "bonus_counted": app.bonus_counted,
        "bonus_reason": app.bonus_reason,
        "fee": str(card.first_year_fee),
    }
    if app.bonus_counted and card.bonus is not None:
        kind = catalog.currency(card.currency).kind
        step.update(
            route=_and([CATEGORY_LABELS[r.category].lower() for r in app.route]),
            min_spend=str(card.bonus.min_spend),
            by_label=month_label(month_text(today + (app.bonus_month or app.month))),
            bonus_points=card.bonus.points,
            bonus_cash=kind == "cash",
            bonus_value=str(app.bonus_value),
            per_month=str(app.min_spend_per_month),
        )
    return step


def _net(plan: Plan) -> list[Decimal]:
    return [row.rewards + row.bonus + row.credits - row.fees for row in plan.months]


def _plan(
    plan: Plan, keep: list[Decimal], catalog: Catalog, urls: dict[str, str], today: int
) -> dict[str, Any]:
    net = _net(plan)
    return {
        "cards": list(plan.cards),
        "names": [catalog.card(card).name for card in plan.cards],
        "value": str(plan.value),
        "gain": str(plan.gain),
        "rewards": str(plan.rewards),
        "bonuses": str(plan.bonuses),
        "fees": str(plan.fees),
        "credits": str(plan.credits),
        "steps": [_step(app, catalog, urls, today) for app in plan.applications],
        "chart": chart(
            [row.calendar_month for row in plan.months],
            net,
            keep,
            [app.month for app in plan.applications],
        ),
    }


def _blocked(
    item: Blocked, catalog: Catalog, urls: dict[str, str], answers: dict[str, Any], today: int
) -> dict[str, Any]:
    """ "Chase: you are at 5/24 until May 2027" for a recent-cards rule; the rule in words
    for the others."""
    card = catalog.card(item.card)
    until = month_label(item.until_month) if item.until_month else None
    sentence = item.rule
    issuer = catalog.issuers_by_name.get(card.issuer)
    rules = issuer.rules if issuer is not None else ()
    rule = next((r for r in rules if describe(r, card.issuer) == item.rule), None)
    if rule is not None and rule.kind == "recent_cards" and rule.months and rule.max:
        at = _recent_count(answers, catalog, today + 1, rule.months, bool(rule.counts_business))
        sentence = f"{card.issuer}: you are at {at}/{rule.months}"
        sentence += f" until {until}" if until else " for the whole plan"
    elif until:
        sentence = f"{item.rule}: passes from {until}"
    else:
        sentence = f"{item.rule}: not within this plan"
    return {
        "card": item.card,
        "name": card.name,
        "url": urls[item.card],
        "what": item.what,
        "sentence": sentence,
        "until": until,
    }


def _recent_count(
    answers: dict[str, Any], catalog: Catalog, at: int, months: int, business: bool
) -> int:
    """Cards opened in the `months` months up to absolute month `at` (docs/roadmap.md)."""
    opened: list[int] = []
    for card_id, when in answers.get("held", []):
        card = catalog.cards_by_id.get(card_id)
        if card is not None and (business or not card.business):
            opened.append(parse_month(when, "opened"))
    opened += [parse_month(when, "opened") for when in answers.get("other_recent_months", [])]
    opened += [at - 1] * int(answers.get("other_recent", 0))
    return sum(1 for month in opened if at - month < months)


def plan_payload(
    result: Roadmap, keep: Roadmap, catalog: Catalog, answers: dict[str, Any]
) -> dict[str, Any]:
    """Everything the plan page shows of one computed roadmap."""
    today = parse_month(result.today, "today")
    urls = {card_id: info.url for card_id, info in card_infos(catalog).items()}
    keep_net = _net(keep.plans[0]) if keep.plans else [Decimal(0)] * result.horizon
    plans = [_plan(plan, keep_net, catalog, urls, today) for plan in result.plans]
    return {
        "today": result.today,
        "horizon": result.horizon,
        "start_label": month_label(month_text(today + 1)),
        "end_label": month_label(month_text(today + result.horizon)),
        "baseline": str(result.baseline),
        "best": plans[0] if plans else None,
        "alternatives": plans[1:],
        "blocked": [_blocked(b, catalog, urls, answers, today) for b in result.blocked],
        "searched": result.stats.nodes,
    }


def error_payload(message: str) -> dict[str, Any]:
    """A plan the engine refused (a retired card, say): the page says why."""
    return {"error": message, "best": None, "alternatives": [], "blocked": []}
