"""Ordo's performance harness. ``python -m bench.order_pipeline`` (``make bench``) measures
the latency the order pipeline adds on top of the paper broker; see bench/README.md."""
