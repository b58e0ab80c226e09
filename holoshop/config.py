"""All configuration in one place: defaults for the embedded mode, HOLOSHOP_* variables to change them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


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
