"""Honors (先进典型): the levels an honor is awarded at."""

HONOR_LEVELS = ("provincial", "municipal", "bureau")   # 省级, 市级, 局级
