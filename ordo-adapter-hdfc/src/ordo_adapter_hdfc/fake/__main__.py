"""``python -m ordo_adapter_hdfc.fake``: serve the fake InvestRight API on loopback."""

from ordo_adapter_hdfc.fake.app import main

if __name__ == "__main__":
    main()
