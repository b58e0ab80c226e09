"""The `holoshop` command: serve the showroom, render stills, check product models, manage accounts."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gestures.cli import gestures_app
from holoshop.config import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy.orm import Session

    from assets.product import Product

__all__ = ["app", "assistant_app", "main"]

app = typer.Typer(
    help="Holoshop: a holographic 3D showroom rendered on the server and streamed to any screen.",
    no_args_is_help=True,
    add_completion=False,
)
assets_app = typer.Typer(help="Inspect and validate product models.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
admin_app = typer.Typer(
    help="Manage shop accounts (in HOLOSHOP_DATABASE_URL's database).", no_args_is_help=True
)
app.add_typer(admin_app, name="admin")
app.add_typer(gestures_app, name="gestures")
assistant_app = typer.Typer(
    help="The shopping assistant: ask it a question, retrain its recommender from the shop's events.",
    no_args_is_help=True,
)
app.add_typer(assistant_app, name="assistant")


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        raise typer.BadParameter(f"{w}x{h} is outside 16x16..7680x4320")
    return w, h


@contextlib.contextmanager
def _clean_errors() -> Iterator[None]:
    """Bad input files and layouts end the command with one line, not a traceback."""
    from assets.errors import AssetError
    from render_node.gl_context import GLUnavailableError
    from scenes.layout import LayoutError

    try:
        yield
    except (AssetError, LayoutError, GLUnavailableError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _step(message: str) -> float:
    typer.echo(message, err=True)
    return time.perf_counter()


ModelsOption = Annotated[
    Path | None,
    typer.Option(
        "--models", help="Folder of extra glTF/GLB products (searched recursively).", show_default=False
    ),
]


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path("showroom.png"),
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT in pixels.")] = "1280x720",
    models: ModelsOption = None,
    focus: Annotated[
        str | None, typer.Option("--focus", help="Product id to centre (see `assets list`).")
    ] = None,
    variant: Annotated[
        int | None, typer.Option("--variant", help="Colourway index of the focused product.")
    ] = None,
    inspect: Annotated[
        bool, typer.Option("--inspect", help="Close-up inspect view of the focused product.")
    ] = False,
    orbit: Annotated[float, typer.Option("--orbit", help="Inspect view: degrees around the product.")] = 0.0,
    zoom: Annotated[float, typer.Option("--zoom", help="Inspect view: >1 closer, <1 further.")] = 1.0,
    environment: Annotated[
        str | None, typer.Option("--environment", help="'studio' or an .hdr file.")
    ] = None,
    msaa: Annotated[
        int | None, typer.Option("--msaa", help="MSAA samples (default: 4 on a GPU, 0 on software GL).")
    ] = None,
) -> None:
    """Render a still of the showroom to a PNG: the quickest way to see the renderer."""
    from holoshop.catalog_loading import load_catalog
    from holoshop.stills import StillRenderer, StillRequest, save_png

    settings = Settings()
    width, height = _parse_size(size)
    with _clean_errors():
        layout, products = load_catalog(models or settings.models_dir, settings)
        started = _step(f"preparing renderer at {width}x{height} and uploading {len(products)} products ...")
        stills = StillRenderer(
            products,
            layout,
            (width, height),
            environment=environment or settings.environment,
            msaa=settings.msaa if msaa is None else msaa,
        )
    typer.echo(f"  ready in {time.perf_counter() - started:.1f} s", err=True)
    try:
        pixels = stills.render(StillRequest(focus, variant, inspect, orbit, zoom))
    except (KeyError, ValueError) as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(2) from None
    save_png(pixels, out)
    typer.echo(f"wrote {out} ({width}x{height}, {stills.renderer.times.draw_ms:.0f} ms to draw)")


@app.command()
def thumbnails(
    models: ModelsOption = None,
    size: Annotated[int, typer.Option("--size", min=64, max=1024, help="Pixels a side.")] = 256,
    product: Annotated[
        list[str] | None, typer.Option("--product", help="Only this product id (repeatable).")
    ] = None,
) -> None:
    """Pre-render every product's thumbnails (one per colourway) into the server's thumbnail cache."""
    import asyncio

    from holoshop.catalog_loading import load_catalog
    from holoshop.server import scene_key
    from holoshop.stills import StillRenderer, StillRequest
    from holoshop.thumbnails import ThumbnailCache, variant_count

    settings = Settings()
    with _clean_errors():
        layout, products = load_catalog(models or settings.models_dir, settings)
        unknown = set(product or ()) - {p.id for p in products}
        if unknown:
            typer.echo(f"error: no product {', '.join(sorted(unknown))}", err=True)
            raise typer.Exit(2)
        chosen = [p for p in products if not product or p.id in product]
        started = _step(f"preparing renderer and uploading {len(products)} products ...")
        frame = (settings.width, settings.height)
        stills = StillRenderer(products, layout, frame, environment=settings.environment, msaa=settings.msaa)

    async def render(item: Product, variant: int) -> npt.NDArray[np.uint8]:
        request = StillRequest(item.id, variant if item.variants else None, inspect=True, alone=True)
        return stills.render(request)

    async def run_all() -> None:
        cache = ThumbnailCache(settings.thumbnails_dir, scene_key(settings, layout), render)
        jobs = [(p, v) for p in chosen for v in range(variant_count(p))]
        drawn = 0
        for done, (item, variant) in enumerate(jobs, 1):
            cached = cache.locate(item, variant, size).path.is_file()
            t0 = time.perf_counter()
            thumb = await cache.get(item, variant, size)
            drawn += not cached
            how = "cached" if cached else f"{(time.perf_counter() - t0) * 1000:.0f} ms"
            typer.echo(f"[{done}/{len(jobs)}] {item.id} variant {variant}: {thumb.path} ({how})", err=True)
        elapsed = time.perf_counter() - started
        typer.echo(f"{len(jobs)} thumbnails at {size}px, {drawn} drawn, in {elapsed:.1f} s")

    asyncio.run(run_all())


@assets_app.command("check")
def assets_check(
    path: Annotated[Path, typer.Argument(help="A .gltf/.glb file, or a folder to check every model in.")],
) -> None:
    """Load models and report what was found: meshes, triangles, materials, textures, variants, extensions."""
    from assets.catalog import find_model_files
    from assets.errors import AssetError
    from assets.gltf_loader import load_gltf
    from assets.report import describe

    files = list(find_model_files(path)) if path.is_dir() else [path]
    if not files:
        typer.echo(f"{path}: no .gltf or .glb files found", err=True)
        raise typer.Exit(1)
    failures = 0
    for file in files:
        try:
            model = load_gltf(file)
            if model.triangle_count == 0:
                raise AssetError(file, "no triangles to show (the file has no triangle meshes)")
            typer.echo(describe(model))
        except AssetError as exc:
            failures += 1
            typer.echo(f"ERROR {exc}", err=True)
        typer.echo("")
    typer.echo(f"{len(files) - failures} of {len(files)} models OK", err=bool(failures))
    if failures:
        raise typer.Exit(1)


@assets_app.command("list")
def assets_list(models: ModelsOption = None) -> None:
    """List the showroom's products (the demo catalog plus --models): id, category, price, variants."""
    from holoshop.catalog_loading import load_catalog

    with _clean_errors():
        _, products = load_catalog(models or Settings().models_dir, Settings())
    for p in products:
        variants = f"  variants: {', '.join(p.variants)}" if p.variants else ""
        price = f"{p.price_minor / 100:.2f} {p.currency}"
        typer.echo(f"{p.id:32s} {p.category:12s} {price:>12s}  {p.name}{variants}")


@contextlib.contextmanager
def _shop_session() -> Iterator[Session]:
    """A session on the configured shop database, migrated first (a fresh install has no tables)."""
    from commerce_api.db import database_url, migrated_sessions

    with migrated_sessions(database_url(Settings().database_url)) as sessions, sessions() as session:
        yield session


@assistant_app.command("retrain")
def assistant_retrain(
    epochs: Annotated[
        int, typer.Option("--epochs", min=0, max=10_000, help="Training passes over the events.")
    ] = 200,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same events and seed give the same model.")
    ] = 0,
    prune_days: Annotated[
        float | None,
        typer.Option("--prune-older-than", min=1, help="First delete events older than this many days."),
    ] = None,
) -> None:
    """Train the recommender on the interaction events in HOLOSHOP_DATABASE_URL's database.

    Writes <HOLOSHOP_ASSISTANT_DIR>/recommender.pt (default .holoshop/assistant/), which a running
    server picks up at its next scheduled retrain or restart. Products bought, carted and viewed
    together end up recommended together; products without events fall back to their descriptions.
    """
    from holoshop.assistant_training import retrain

    settings = Settings()
    typer.echo(f"retraining the recommender ({epochs} epochs, seed {seed})", err=True)
    from sqlalchemy.exc import SQLAlchemyError

    try:
        report = retrain(
            settings, epochs=epochs, seed=seed, prune_days=prune_days, echo=lambda m: typer.echo(m, err=True)
        )
    except (SQLAlchemyError, OSError) as exc:  # no database, a folder it cannot write
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{report.path} ({report.products} products, {report.events} events)")


@assistant_app.command("ask")
def assistant_ask(
    text: Annotated[str, typer.Argument(help='What a shopper would type or say, e.g. "a lamp under 300".')],
    session_id: Annotated[
        str | None,
        typer.Option("--session", help="Keep a conversation: the same id remembers earlier turns."),
    ] = None,
    speak: Annotated[
        Path | None,
        typer.Option("--speak", help="Also write the spoken reply to this WAV file.", dir_okay=False),
    ] = None,
) -> None:
    """Ask the shopping assistant, as the showroom's character hears it, over HOLOSHOP_DATABASE_URL's shop.

    A shop database without products first gets the catalog the server would serve (the demo
    catalog, plus HOLOSHOP_MODELS_DIR's models).
    """
    import wave

    from sqlalchemy import func, select

    from avatar.voice.espeak_voice import EspeakVoice, VoiceUnavailable
    from commerce_api.db import database_url, migrated_sessions
    from commerce_api.models import Product as ShopProduct
    from commerce_api.seed import seed_catalog
    from holoshop.assistant_service import AssistantService
    from holoshop.catalog_loading import load_catalog
    from holoshop.commerce_seed import seed_products

    settings = Settings()
    with migrated_sessions(database_url(settings.database_url)) as sessions:
        with sessions() as session:
            empty = not session.scalar(select(func.count()).select_from(ShopProduct))
        if empty:
            typer.echo("the shop has no products yet: seeding the catalog", err=True)
            _, products = load_catalog(settings.models_dir, settings)
            seed_catalog(sessions, seed_products(products))
        typer.echo("loading the assistant (sentence embeddings)...", err=True)
        answer = AssistantService(sessions, settings).ask(text, session_id)
    typer.echo(answer.reply)
    typer.echo(f"intent: {answer.intent.value}; products: {', '.join(answer.products) or 'none'}", err=True)
    if speak is not None:
        try:
            utterance = EspeakVoice(settings.assistant_voice or "en-us").speak(answer.reply)
        except (VoiceUnavailable, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        with wave.open(str(speak), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(utterance.sample_rate)
            out.writeframes(utterance.samples.tobytes())
        typer.echo(
            f"{speak}: {utterance.duration_s:.1f} s of speech, {len(utterance.cues)} visemes", err=True
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


@admin_app.command("create-user")
def admin_create_user(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    staff: Annotated[bool, typer.Option("--staff", help="Allow it to use the /api/admin staff API.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line; no prompt.")
    ] = False,
) -> None:
    """Create an account, asking for its password twice (hidden) unless --password-stdin."""
    from sqlalchemy import select

    from commerce_api import accounts, admin
    from commerce_api.models import Account
    from holoshop.commerce_app import account_policy

    with _shop_session() as session:
        try:  # the address checked before asking for a password; register() still decides
            taken = session.scalar(select(Account.id).where(Account.email == accounts.normalize_email(email)))
            if taken is not None:
                raise accounts.EmailTaken(email)
            account = accounts.register(
                session, account_policy(Settings()), email, _read_password(password_stdin)
            )
        except accounts.InvalidRegistration as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except accounts.EmailTaken:
            typer.echo(f"error: an account with the email {email.strip().lower()} already exists", err=True)
            raise typer.Exit(1) from None
        if staff:
            account = admin.set_staff(session, account.email, True)
    kind = "staff account" if account.is_staff else "account"
    typer.echo(f"created {kind} {account.email} (id {account.id})")


def _set_staff(email: str, is_staff: bool) -> None:
    from commerce_api import admin
    from commerce_api.accounts import InvalidRegistration

    with _shop_session() as session:
        try:
            account = admin.set_staff(session, email, is_staff)
        except (admin.AccountNotFound, InvalidRegistration):
            typer.echo(f"error: no account with the email {email.strip().lower()}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"{account.email} is {'now' if is_staff else 'no longer'} staff")


@admin_app.command("promote")
def admin_promote(email: Annotated[str, typer.Argument(help="An existing account's email.")]) -> None:
    """Make an existing account staff."""
    _set_staff(email, True)


@admin_app.command("demote")
def admin_demote(email: Annotated[str, typer.Argument(help="An existing account's email.")]) -> None:
    """Withdraw an account's staff rights (its next request to /api/admin is refused)."""
    _set_staff(email, False)


def _server_settings(host: str | None, port: int | None, models: Path | None) -> Settings:
    """The configured settings, with what the command line gives taking precedence."""
    settings = Settings()
    return settings.model_copy(
        update={
            "host": host or settings.host,
            "port": port or settings.port,
            "models_dir": models or settings.models_dir,
        }
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="TCP port.")] = None,
    models: ModelsOption = None,
) -> None:
    """Serve the showroom at http://HOST:PORT (embedded mode: everything in one process)."""
    import uvicorn

    from holoshop.server import create_app

    settings = _server_settings(host, port, models)
    typer.echo(f"Holoshop showroom on http://{settings.host}:{settings.port}/", err=True)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
def commerce(
    host: Annotated[str | None, typer.Option("--host", help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="TCP port.")] = None,
    models: ModelsOption = None,
) -> None:
    """Serve the commerce API alone (distributed mode): catalog, accounts, carts, checkout, orders.

    No render node and no OpenGL: the shop's service for a deployment whose render nodes run
    elsewhere. The API's documentation is at http://HOST:PORT/docs.
    """
    import uvicorn

    from holoshop.commerce_app import create_commerce_app

    settings = _server_settings(host, port, models)
    typer.echo(f"Holoshop commerce API on http://{settings.host}:{settings.port}/docs", err=True)
    uvicorn.run(create_commerce_app(settings), host=settings.host, port=settings.port, log_level="info")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app()
