"""Development tools that are not part of the product: the local control plane (built from
Go modules), the sample CRDs and their churn, the demo, the dashboard-server runner and the
Chromium launch settings.

Why a package of its own: the tests, the benchmarks and ``make demo`` all need these, and
none of them belongs in the image. Keeping them out of ``tests/`` means nothing outside the
test suite imports ``tests``; keeping them out of ``dashboard/`` means the image ships no
command that can only fail. import-linter holds both lines (``pyproject.toml``).
"""
