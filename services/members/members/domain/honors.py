"""Honors (先进典型): the levels an honor is awarded at."""

HONOR_LEVELS = ("provincial", "municipal", "bureau")
HONOR_LEVEL_LABELS = {"provincial": "省级", "municipal": "市级", "bureau": "局级"}
