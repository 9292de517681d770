"""What the funding service does, one module per aggregate.

Each handler takes a ``wuji_infra.db.Transaction`` (or a Session for reads) and
raw JSON-ready input, queries what a rule needs, calls the rule in
``funding.domain`` and raises its problem, and returns JSON-ready output.
service.py only routes.
"""
