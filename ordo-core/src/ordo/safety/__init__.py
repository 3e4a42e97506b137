"""Order safety: tags, idempotency, kill switch, breakers, rate limits, retries, checks."""
