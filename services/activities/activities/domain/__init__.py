"""Rules of basic activities and basic rules (基本活动, 基本制度), one module per aggregate.

Plain functions and constants: no nameko, no SQL. A rule's check returns the
problem ("中文 (English)") or None; the handler raises.
"""
