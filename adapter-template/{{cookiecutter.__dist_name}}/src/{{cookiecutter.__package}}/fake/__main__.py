"""``python -m {{ cookiecutter.__package }}.fake``: serve the fake on loopback."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> None:
    """Serve the fake broker on loopback for offline rehearsal."""
    import uvicorn

    from {{ cookiecutter.__package }}.fake.app import create_app
    from {{ cookiecutter.__package }}.fake.state import FakeBroker

    parser = argparse.ArgumentParser(description="Fake {{ cookiecutter.broker_name }} API")
    parser.add_argument("--host", default="127.0.0.1", help="loopback only by default")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(FakeBroker()), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
