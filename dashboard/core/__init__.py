"""The core app: the engine adapter, health endpoints, security headers, page frame."""
