"""Live updates: one WebSocket per page, fed by the engine's hub, pushing htmx OOB swaps."""
