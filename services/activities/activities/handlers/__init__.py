"""What the activities service does, one module per aggregate.

Each handler takes a ``wuji_infra.db.Transaction`` (or a Session for reads)
and raw JSON-ready input, queries what a rule needs, calls the rule of
``activities.domain`` and raises its problem; it returns JSON-ready output.
The day comes in as ``today=`` (the service's clock): no handler reads the time.
"""
