"""Egress per account: the configured network path of each account's broker calls checked
on the host and against the IP-sharing rule (``checks``), and the observed egress IP
compared with the registered ones (``monitor``)."""
