"""The informer benchmark: crscope's engine vs client-go vs the official Python client.

Why a package of its own (outside ``informers/`` and ``tests/``): it is a tool that runs
against the real local control plane and writes a results table, not product code and not
a test. ``python -m benchmarks.run`` is the entry point (``make bench``). Importing this
package must stay cheap: the contender subprocesses import it before measuring their
baseline memory.
"""
