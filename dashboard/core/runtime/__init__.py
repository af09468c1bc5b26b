"""The engine adapter, the hop to the event loop, and the server process's lifetime."""
