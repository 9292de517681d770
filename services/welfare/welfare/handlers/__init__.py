"""What the welfare service does, as plain functions of a transaction (or a
session, for reads) and raw input, returning JSON-ready output; one module per
aggregate: tasks, member_facts, pairings, help_cases, festivals, daily.

A handler queries what a rule of ``welfare.domain`` needs, calls it and
raises; it never reads the clock (the service passes ``today=`` / ``now=``).
"""
