"""Fields the fact sheet documents on the fake's replies that its books do not track: each
function fills a reply out to the documented shape (zeros, blanks or nulls) without
changing what the books report."""

from __future__ import annotations

from typing import Any

AVAILABLE_DETAILS = (
    "cash",
    "mtf",
    "equity_intraday",
    "equity_margin",
    "cover_order",
    "derivative_future_shortOption",
    "option_buy",
    "mutual_fund",
    "cdx_future_shortOption",
    "cdx_option_buy",
    "com_derivative_future_shortOption",
    "com_derivative_option_buy",
)
UTILISATION_DETAILS = (  # the docs mix snake and camel case here
    "cash",
    "mtf",
    "equity_margin_intraday_cover",
    "derivative_future_shortOption",
    "option_buy",
    "mutual_fund",
    "cdxFutureShortOption",
    "cdxOptionBuy",
    "comDerivativeFutureShortOption",
)
LIMIT_DETAILS = (
    "bank_hold",
    "intraday_sales_proceed",
    "ledger_balance",
    "adhoc_limit",
    "pledge_limit",
)
SINGLE_ORDER_TRADE_NULLS = ("instrumentToken", "orderTimestamp", "exchangeTimestamp")


def _zeros(names: tuple[str, ...], known: dict[str, Any]) -> dict[str, Any]:
    return {name: 0.0 for name in names} | known


def documented_funds(funds: dict[str, Any]) -> dict[str, Any]:
    """``data`` of ``/user/margins`` with every documented detail key."""
    equity = dict(funds["equity"])
    equity["totalAvailableLimitDetails"] = _zeros(
        AVAILABLE_DETAILS, equity.get("totalAvailableLimitDetails", {})
    )
    equity["totalUtilizationDetails"] = _zeros(
        UTILISATION_DETAILS, equity.get("totalUtilizationDetails", {})
    )
    equity["totalLimitDetails"] = _zeros(LIMIT_DETAILS, equity.get("totalLimitDetails", {}))
    return {**funds, "equity": equity}


def documented_profile(row: dict[str, Any], client_code: str) -> dict[str, Any]:
    """One ``/v3/user/profile`` row with the settlement, depository and bank fields."""
    extra = {
        "accountSettlementType": "Quarterly",
        "depository_details": [
            {
                "depository_code": "IN300000",
                "depository_account_number": f"1000{client_code}",
                "depository_account_settlement_type": "Quarterly",
                "depository": "NSDL",
                "edis_flag": "N",
                "ddpi_flag": "Y",
            }
        ],
        "bank_details": {"bank_power_of_attorney_flag": "N"},
    }
    return extra | row


def documented_order_trades(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``/orders/{id}/trades`` rows: the docs show these three as null."""
    return [{name: None for name in SINGLE_ORDER_TRADE_NULLS} | row for row in rows]


def documented_position(row: dict[str, Any]) -> dict[str, Any]:
    """A ``data.net`` row with the day and carried-forward splits: the fake's positions are
    all opened today, so the day figures are the totals and nothing is carried."""
    day = {
        "t_day_buy_quantity": row.get("total_buy_quantity", 0),
        "t_day_sell_qty": row.get("total_sell_qty", 0),
        "t_day_average_buy_price": row.get("average_buy_price", 0.0),
        "t_day_avg_sell_price": row.get("average_sell_price", 0.0),
        "t_day_buy_value": row.get("total_buy_value", 0.0),
        "t_day_sell_value": row.get("total_sell_value", 0.0),
    }
    carried = {
        "cf_buy_qty": 0,
        "cf_sell_qty": 0,
        "cf_average_buy_price": 0.0,
        "cf_average_sell_price": 0.0,
        "cf_buy_value": 0.0,
        "cf_sell_value": 0.0,
    }
    return day | carried | row
