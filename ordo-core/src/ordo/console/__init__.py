"""The operator console: server-rendered pages at ``/console`` for the daily login, status,
the kill switch, orders and the audit trail (off unless ``console.enabled``).

- ``app``: the sub-application, its error pages and security headers; ``console_routers``
  lists every page module's ``router``.
- ``auth``: sign-in sessions, the ``ConsoleSession`` dependency, CSRF (``CheckedForm``).
- ``rendering``: ``render(request, template, **context)`` with the shared page context.
- ``pages_*``: one module per page group, each a ``router`` of its own.
- ``views``: the orders and audit pages' pure mappings and the audit filters' parsing.

Conventions of a page: depend on ``ConsoleSession`` (GET) or ``CheckedForm`` (every POST);
take services from ``ordo.api.services`` as API routes do; answer a POST that changed
something with a 303 to a page; pass ``active=<nav key>`` to ``render``; every form template
includes ``{{ csrf_field }}``; show times with the ``ist`` filter. A path ending in
``/fragment`` or ``.json`` is fetched by ``console.js`` (``data-refresh-url``) and answers
401, not a redirect, when the session has lapsed.
"""
