"""Members: the roster of retired Party members, branches and health events (基本组织)."""
