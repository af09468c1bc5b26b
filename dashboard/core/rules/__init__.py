"""Health rules in the dashboard: why an object has its state, and the rule tester."""
