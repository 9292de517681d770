"""Funding: money for the branches' work (基本保障): the four-source ledger, the allocation policy, subsidy checks."""
