"""All configuration in one place: defaults for the embedded mode, HOLOSHOP_* variables to change them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, StringConstraints
from pydantic_settings import BaseSettings, SettingsConfigDict

from commerce_api.rate_limit import RATE_PATTERN

__all__ = ["IceServer", "Settings"]

# An origin as browsers send it: scheme, host and optional port, no path (not even "/"); or "*".
_ORIGIN = r"^(\*|https?://[A-Za-z0-9.\-\[\]:]+)$"


class IceServer(BaseModel):
    """A STUN or TURN server handed to both peers, e.g. coturn behind a NAT."""

    urls: list[str] = Field(min_length=1)
    username: str | None = None
    credential: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOLOSHOP_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    models_dir: Path | None = Field(None, description="a folder of extra glTF/GLB products")
    layout: Path | None = Field(None, description="a showroom layout JSON; the built-in one by default")
    environment: str = Field("studio", description="'studio' (generated) or a Radiance .hdr file")
    width: int = Field(1280, ge=16, le=7680)
    height: int = Field(720, ge=16, le=4320)
    fps: int = Field(60, ge=1, le=240)
    msaa: int | None = Field(
        None, ge=0, le=16, description="MSAA samples; unset: 4 on a GPU, 0 on software GL"
    )
    max_texture_size: int = Field(1024, ge=16, le=16384, description="larger product textures are downscaled")
    # Streaming. No ICE servers by default: on loopback and LANs host candidates suffice, and an
    # unreachable default STUN server would stall every connection.
    ice_servers: list[IceServer] = Field(default_factory=list, description="JSON list of STUN/TURN servers")
    bitrate: int = Field(4_000_000, ge=100_000, le=50_000_000, description="starting video bitrate, bit/s")
    min_bitrate: int = Field(500_000, ge=100_000, le=50_000_000)
    max_bitrate: int = Field(12_000_000, ge=100_000, le=50_000_000)
    encoder_threads: int = Field(1, ge=1, le=16)
    idle_timeout: float = Field(30.0, gt=0, description="seconds a session without viewers lives on")
    max_sessions: int = Field(8, ge=1, le=256)
    gestures: bool = Field(True, description="offer 'Shop with your hands': analyse viewers' cameras")
    gesture_fps: float = Field(
        25.0, ge=1.0, le=60.0, description="camera frames analysed per second per viewer, at most (gestures)"
    )
    render: bool = Field(
        True,
        description="start the in-process render node (streaming); false: the API alone, stills on demand",
    )
    thumbnails_dir: Path = Field(Path(".holoshop/thumbnails"), description="rendered product thumbnails")
    # Commerce. None: the embedded SQLite file .holoshop/shop.db; in production a PostgreSQL URL
    # such as postgresql+psycopg://user:password@db:5432/holoshop.
    database_url: str | None = Field(None, description="SQLAlchemy URL of the shop's database")
    # Accounts. Unset: a random secret made once and kept in .holoshop/jwt-secret (0600), so restarts
    # keep sessions valid; set it, the same on every replica, wherever more than one process serves.
    jwt_secret: SecretStr | None = Field(
        None, min_length=32, description="HS256 key for access and refresh tokens; never logged"
    )
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(30, ge=1, le=365)
    # Checkout. The offline provider takes Stripe's test payment method ids (pm_card_visa succeeds,
    # pm_card_chargeDeclined is declined) and needs no network: the embedded default and demos.
    payment_provider: Literal["offline", "stripe"] = Field("offline", description="who takes payments")
    # Stripe (payment_provider="stripe"): the secret key, the webhook endpoint's signing secret, and
    # another API base for a local stand-in (the tests' fake); never logged.
    stripe_api_key: SecretStr | None = Field(None, description="Stripe secret key (sk_...)")
    stripe_webhook_secret: SecretStr | None = Field(
        None, description="signing secret of the /api/payments/stripe/webhook endpoint (whsec_...)"
    )
    stripe_api_base: str | None = Field(None, description="another Stripe API base URL, e.g. a local fake")
    reservation_minutes: int = Field(
        15, ge=1, le=24 * 60, description="how long an unpaid order holds its stock"
    )
    sweep_seconds: float = Field(
        30.0, gt=0, le=3600, description="how often lapsed reservations are released"
    )
    catalog_cache_seconds: float = Field(
        1.0, ge=0, le=3600, description="how long listing and search answers are reused; 0: never"
    )
    redis_url: str | None = Field(
        None, description="Redis URL for the carts' fast path and rate limits; unset: in-process"
    )
    login_rate_limit: str = Field(
        "10/minute", pattern=RATE_PATTERN, description="login attempts per client address and email"
    )
    checkout_rate_limit: str = Field(
        "20/minute", pattern=RATE_PATTERN, description="checkout attempts per client address"
    )
    # The shopping assistant: its embedding cache and recommender model live in assistant_dir.
    assistant: bool = Field(
        True, description="put the shopping assistant in the showroom and serve /api/assistant/ask"
    )
    assistant_voice: str = Field(
        "en-us", max_length=40, description="the assistant's espeak-ng voice; empty: it answers in words only"
    )
    assistant_dir: Path = Field(
        Path(".holoshop/assistant"), description="the assistant's embedding cache and recommender model"
    )
    assistant_retrain_minutes: float = Field(
        60.0, ge=0, le=7 * 24 * 60, description="how often the server retrains the recommender; 0: never"
    )
    # Browser origins allowed to call the API from other sites; none: same-origin only.
    cors_origins: list[Annotated[str, StringConstraints(pattern=_ORIGIN)]] = Field(
        default_factory=list, description='JSON list, e.g. ["https://shop.example"]'
    )
