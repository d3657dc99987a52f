"""Rewards engine: exact best cards and wallets for a spend profile (no Django imports)."""
