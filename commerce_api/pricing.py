"""Shipping options and tax: the server computes every amount a shopper pays.

Prices are net; VAT is charged on goods and shipping at the destination's standard rate, rounded
half up once per order. Amounts are integers in minor units and rates in basis points, so no float
ever touches money. Only the countries listed here are shipped to.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SHIPPING_OPTIONS",
    "TAX_RATES_BP",
    "ShippingOption",
    "Totals",
    "UnknownShippingOption",
    "UnsupportedCountry",
    "shipping_option",
    "totals",
]


class UnknownShippingOption(ValueError):
    pass


class UnsupportedCountry(ValueError):
    pass


@dataclass(frozen=True)
class ShippingOption:
    id: str
    name: str
    price_minor: int
    days: str
    free_from_minor: int | None = None  # subtotal from which it costs nothing


SHIPPING_OPTIONS: tuple[ShippingOption, ...] = (
    ShippingOption("standard", "Standard delivery", 495, "3-5", free_from_minor=100_00),
    ShippingOption("express", "Express delivery", 1495, "1-2"),
    ShippingOption("pickup", "Pick up in store", 0, "0-1"),
)

# Standard VAT rates in basis points (19% = 1900).
TAX_RATES_BP: dict[str, int] = {
    "AT": 2000,
    "BE": 2100,
    "CH": 810,
    "DE": 1900,
    "DK": 2500,
    "ES": 2100,
    "FI": 2550,
    "FR": 2000,
    "GB": 2000,
    "IE": 2300,
    "IT": 2200,
    "LU": 1700,
    "NL": 2100,
    "NO": 2500,
    "PL": 2300,
    "PT": 2300,
    "SE": 2500,
}


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    tax_rate_bp: int


def shipping_option(option_id: str) -> ShippingOption:
    for option in SHIPPING_OPTIONS:
        if option.id == option_id:
            return option
    raise UnknownShippingOption(f"no shipping option {option_id!r}")


def _percent_half_up(amount_minor: int, rate_bp: int) -> int:
    return (amount_minor * rate_bp + 5_000) // 10_000


def totals(subtotal_minor: int, option_id: str, country: str) -> Totals:
    """What an order of `subtotal_minor` costs delivered to `country` with the given option."""
    option = shipping_option(option_id)
    rate = TAX_RATES_BP.get(country.upper())
    if rate is None:
        raise UnsupportedCountry(f"we do not ship to {country!r}")
    free = option.free_from_minor is not None and subtotal_minor >= option.free_from_minor
    shipping = 0 if free else option.price_minor
    tax = _percent_half_up(subtotal_minor + shipping, rate)
    return Totals(subtotal_minor, shipping, tax, subtotal_minor + shipping + tax, rate)
