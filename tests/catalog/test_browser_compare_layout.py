"""The compare page on a 360 px phone: nothing widens it, and its tables scroll by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_three_cards_side_by_side_fit_a_phone_and_their_scroll_boxes_take_focus(
    imported_small: dict[str, Any], live_server: Any, open_page: Any
) -> None:
    probe = open_page()
    page = probe.page
    ids = [card["id"] for card in imported_small["cards"][:3]]
    page.goto(f"{live_server.url}/cards/compare/?cards={','.join(ids)}")
    assert page.locator(".compare-table").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    scroll_boxes = page.locator(".table-scroll")
    assert scroll_boxes.count() == 2
    for index in range(2):
        box = scroll_boxes.nth(index)
        assert box.get_attribute("tabindex") == "0"
        assert box.get_attribute("role") == "region"
        assert box.get_attribute("aria-label")
