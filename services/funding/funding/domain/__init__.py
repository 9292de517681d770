"""Funding rules as plain functions: no nameko, no SQL.

subsidy (hardship subsidy checks), ledger (sources, categories, the split of
an expense), policy (the allocation and rebate policy), dues (Party dues).
"""
