"""Funding: money for the branches' work (基本保障); for now, hardship subsidy checks."""
