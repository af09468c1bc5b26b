"""crscope's informer engine: client-go's list/watch algorithm for custom resources, in Python.

The public facade is what ``__all__`` lists; everything else is private to the package.
"""

from __future__ import annotations

__all__: list[str] = []
