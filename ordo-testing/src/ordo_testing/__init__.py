"""Test support for adapter authors: the harness seam (``harness``), the compliance suite
(``compliance``), its in-process runner (``runner``) and the ``ordo`` pytest plugin
(``plugin``: the live-broker guard). Nothing here is imported by the server."""
