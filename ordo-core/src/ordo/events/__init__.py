"""Order events: what happens to an order after the broker acknowledged it.

``model`` normalises broker updates, ``log`` stores them (deduplicated, in the ledger's
database) and fans them out, ``watcher`` follows open orders per account session,
``webhooks`` delivers them signed from a persisted outbox, ``frames`` reads the brokers'
push frames.
"""
