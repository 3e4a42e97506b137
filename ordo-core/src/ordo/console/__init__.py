"""The operator console: server-rendered pages at ``/console`` for the daily login, status,
the kill switch, orders and the audit trail (off unless ``console.enabled``).

- ``app``: the sub-application, its error pages and security headers; ``console_routers``
  lists every page module's ``router``.
- ``auth``: sign-in sessions, the ``ConsoleSession`` dependency, CSRF (``CheckedForm``).
- ``rendering``: ``render(request, template, **context)`` with the shared page context.
- ``pages_*``: one module per page group, each a ``router`` of its own.
"""
