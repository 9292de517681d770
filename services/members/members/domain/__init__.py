"""The members service's rules, one module per aggregate, as plain functions (no nameko, no SQL).

A rule answers the problem (a "中文 (English)" message) or None; the handler
queries what the rule needs, calls it and raises.
"""
