"""Results: where a saved profile's answers become a ranking and break-even insights.

- `compute`: the engine runs (Django-free; they run in an engine process);
- `engine_runner`: runs them off the web worker's event loop, with progress and cancellation;
- `payloads`: engine results as JSON-able dicts and plain-English sentences;
- `cache`: the database cache, and what is cached and what is still pending;
- `events`: the one sequence of events (progress, ranking, insights, done);
- `sse`, `leases`, `views`: the permalink page, the live stream, and its per-address limit.
"""
