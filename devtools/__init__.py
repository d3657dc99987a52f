"""Development tooling shared by the test suite and the benchmarks (never imported by the site).

`tests/` and `bench/` both start real servers; the helpers live here so neither depends on the
other: benchmarks stay runnable without the test suite, and tests import no benchmark code.
"""
