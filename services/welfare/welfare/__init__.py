"""Welfare: visits to members, made by rules from their health events (基本保障: 走访看望)."""
