"""The font families the PDF stylesheet (static/pdf/un.css) names, and which of them this
machine lacks. Without them WeasyPrint lays out substitutes: other metrics, other page
breaks, and names of States in Arabic or Chinese script drawn as empty boxes."""

import shutil
import subprocess

# Latin and Cyrillic (Liberation), Arabic (Noto Naskh), Chinese (Noto CJK); Debian packages
# fonts-liberation2, fonts-noto-core and fonts-noto-cjk (.ci/run installs them).
PDF_FONT_FAMILIES = (
    "Liberation Serif",
    "Liberation Sans",
    "Noto Naskh Arabic",
    "Noto Serif CJK SC",
)
PDF_FONT_PACKAGES = "fonts-liberation2 fonts-noto-core fonts-noto-cjk"


def installed_families() -> set[str] | None:
    """The families fontconfig knows (None: fontconfig's fc-list is not installed)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    listed = subprocess.run(  # noqa: S603 - fontconfig's own tool, fixed arguments
        [fc_list, "--format", "%{family}\n"], capture_output=True, text=True, check=True
    ).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",")}


def missing_pdf_fonts(families: set[str] | None = None) -> list[str]:
    """The stylesheet's families this machine does not have, in the stylesheet's order."""
    if families is None:
        families = installed_families() or set()
    return [family for family in PDF_FONT_FAMILIES if family not in families]
