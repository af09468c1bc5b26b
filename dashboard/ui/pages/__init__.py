"""The UI's pages, one package each: its view, the model it renders, and its live feed.

Shared by several pages: ``pages.common`` (the viewer, partial responses),
``ui.fragments``, ``ui.kinds``, ``ui.rowdiff`` and ``ui.yamlview``; the socket itself is
``ui.live``."""
