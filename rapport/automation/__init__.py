"""Rules: trigger, conditions, actions; their runs and the ready-made rules."""
