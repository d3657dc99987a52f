"""Plan my next cards: the roadmap's pages (docs/roadmap.md, "The pages").

A plan asks for what the wizard does not know (held cards' opening months, other recent cards,
bonuses received, horizon, how many new cards, spacing), saves it under a permalink token, and
streams the roadmap's best plan and alternatives like the results page streams its ranking.
"""
