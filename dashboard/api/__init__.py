"""The REST API under ``/api/v1/``: JSON reads of the informer cache and the history DB.

Why django-ninja rather than DRF or hand-written views: the views are plain typed
functions, and ninja turns those types (pydantic models for responses, annotated query
parameters) into the OpenAPI 3 schema served at ``/api/schema``, so the published contract
is generated from the code that serves it and cannot drift from it. It runs sync and async
views side by side (the NDJSON watch stream is an async view under daphne), and it is small:
one dependency on top of pydantic, no serializer or viewset layer to learn.

Layout: ``scope`` is the single authorization gate, ``problems`` the error format,
``schemas`` the wire types, one module per endpoint family, and ``urls`` wires them up.
"""
