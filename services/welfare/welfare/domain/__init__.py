"""The welfare rules as plain functions, one module per aggregate: no nameko, no SQL.

A rule that can refuse returns the problem (a "中文 (English)" message) or
None; the handler queries what the rule needs, calls it and raises.
"""
