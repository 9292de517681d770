"""Wuji notifications: to-do lists (待办) from events, and pushes to the office's channels."""
