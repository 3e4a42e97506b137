"""``python -m ordo_adapter_mirae.fake``: serve the fake m.Stock API on loopback."""

from ordo_adapter_mirae.fake.app import main

if __name__ == "__main__":
    main()
