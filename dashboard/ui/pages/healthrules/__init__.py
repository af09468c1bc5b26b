"""The health-rule tester page."""
