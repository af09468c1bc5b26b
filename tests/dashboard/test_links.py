"""A notification's link to an object is the URL the UI serves for it.

Why: notifications store a kind by its key (``group/plural``) and used to build object
URLs with a copy of the UI's rule; a change to one (quoting, the ``-`` for cluster-scoped
objects) would have sent people to a 404. Both now use ``dashboard.core.web.links``.
"""

from __future__ import annotations

import pytest

from dashboard.core.web import links
from informers import KindInfo

WIDGET = KindInfo("demo.crscope.dev", "v1", "W", "widgets", namespaced=True)


@pytest.mark.parametrize(
    ("namespace", "name"),
    [("ns", "a"), (None, "cluster-one"), ("", "cluster-two"), ("ns", "a b/c?d#é")],
)
def test_a_kind_key_gives_the_uis_object_url(namespace: str | None, name: str) -> None:
    by_key = links.object_url_by_key("demo.crscope.dev/widgets", namespace, name)
    assert by_key == links.object_url(WIDGET, namespace, name)
    assert by_key.startswith("/k/demo.crscope.dev/widgets/")
    assert ("/-/" in by_key) is (not namespace)
