"""A revision number from the URL: absent, a number, or a 400 naming the parameter."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from dashboard.ui.pages.revisionparam import BadRevisionParam, revision_id


def test_absent_a_number_or_refused() -> None:
    factory = RequestFactory()
    assert revision_id(factory.get("/x/"), "rev") is None
    assert revision_id(factory.get("/x/", {"rev": " 42 "}), "rev") == 42
    for bad in ("-1", "4e2", "<script>", "9" * 19):
        with pytest.raises(BadRevisionParam, match=r"^rev: expected a revision number"):
            revision_id(factory.get("/x/", {"rev": bad}), "rev")
