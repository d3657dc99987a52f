"""Wallets of a result payload in URLs."""

from __future__ import annotations

from django import template

from results.payloads import wallet_key

register = template.Library()

register.filter("wallet_key", wallet_key)
