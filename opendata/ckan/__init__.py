"""The CKAN-compatible Action API (read side), so existing open-data clients work unchanged.

* ``errors``  — CKAN's error types and status codes, and the response envelope.
* ``params``  — CKAN's loose parameters: numbers as strings, JSON in query strings.
* ``shapes``  — datasets, resources, departments and topics as CKAN packages, resources,
  organizations and groups.
* ``actions`` — the actions, each a function of the request context and its parameters.
* ``routes``  — ``/api/action/<name>`` and ``/api/3/action/<name>``, GET and POST.
"""
