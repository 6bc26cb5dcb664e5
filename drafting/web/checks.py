"""System checks for deployment (`manage.py check --deploy`)."""

from django.core import checks

from drafting.exports import fonts


@checks.register(checks.Tags.compatibility, deploy=True)
def pdf_fonts_installed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The PDFs' fonts are installed: without them revision PDFs are laid out in substitutes."""
    missing = fonts.missing_pdf_fonts()
    if not missing:
        return []
    return [
        checks.Warning(
            f"The revision PDFs' fonts are not installed: {', '.join(missing)}.",
            hint=f"Install the Debian packages {fonts.PDF_FONT_PACKAGES}; without them "
            "WeasyPrint lays the PDFs out in substitute fonts, and may not draw names of "
            "States in Arabic or Chinese script.",
            id="drafting.W001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production keeps pages and write counts in Redis, shared by every worker."""
    from django.conf import settings
    from django.core.cache.backends.redis import RedisCache
    from django.utils.module_loading import import_string

    backends = [
        import_string(str(settings.CACHES[alias]["BACKEND"])) for alias in ("default", "throttle")
    ]
    # Django's, or a subclass of it (drafting.web.resilient_cache).
    if all(issubclass(backend, RedisCache) for backend in backends):
        return []
    return [
        checks.Warning(
            "The cache is each process's own memory, not Redis.",
            hint="Set REDIS_URL (README, 'Cache'): without it every worker renders and keeps "
            "its own pages, and counts a delegation's writes on its own.",
            id="drafting.W002",
        )
    ]
