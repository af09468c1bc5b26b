"""The REST API under ``/api/v1/``: JSON reads of the informer cache and the history DB.

Why django-ninja rather than DRF or hand-written views: the views are plain typed
functions, and ninja turns those types (pydantic models for responses, annotated query
parameters) into the OpenAPI 3 schema served at ``/api/schema``, so the published contract
is generated from the code that serves it and cannot drift from it. It runs sync and async
views side by side (the NDJSON watch stream is an async view under daphne), and it is small:
one dependency on top of pydantic, no serializer or viewset layer to learn.

Layout: ``scope`` is the single authorization gate, ``problems`` the error format,
``params`` and ``schemas`` the wire types in and out, ``render`` shapes cached objects,
``openapi`` builds the API object and its docs page, one module per endpoint family
(``resources``, ``objects``, ``history``, ``events``, ``health``, ``watch``), and ``urls``
wires them up.
"""
