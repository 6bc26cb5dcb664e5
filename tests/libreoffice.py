"""LibreOffice, headless, as a second reader of our Word files (Debian's
libreoffice-writer-nogui, installed by .ci/run).

Each test module gets its own profile (``-env:UserInstallation``), so parallel runs never
share one. Accepting or rejecting every tracked change is done by a Basic macro put in that
profile (``.uno:AcceptAllTrackedChanges`` / ``.uno:RejectAllTrackedChanges``), then the
document is saved as text.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")

SETTLE_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"
 script:language="StarBasic">
Sub Settle(inUrl As String, outUrl As String, how As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(inUrl, &quot;_blank&quot;, 0, args())
  helper = createUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
  helper.executeDispatch(doc.CurrentController.Frame, &quot;.uno:&quot; &amp; how &amp; _
    &quot;AllTrackedChanges&quot;, &quot;&quot;, 0, Array())
  Dim out(1) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = &quot;Text (encoded)&quot;
  out(1).Name = &quot;FilterOptions&quot;
  out(1).Value = &quot;UTF8&quot;
  doc.storeToURL(outUrl, out())
  doc.close(True)
End Sub
</script:module>
"""


class LibreOffice:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.profile = root / "profile"

    def _run(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own arguments
            [SOFFICE, "--headless", f"-env:UserInstallation={self.profile.as_uri()}", *arguments],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )

    def convert(self, files: list[Path], target: str) -> list[Path]:
        """Each file converted (``txt`` or ``pdf``) into the same folder, in one run."""
        out = self.root / "out"
        self._run("--convert-to", target, "--outdir", str(out), *map(str, files))
        suffix = ".txt" if target.startswith("txt") else f".{target}"
        made = [out / f"{file.stem}{suffix}" for file in files]
        missing = [path for path in made if not path.exists()]
        assert not missing, f"LibreOffice did not convert {missing}"
        return made

    def text(self, files: list[Path]) -> list[str]:
        return [
            path.read_text(encoding="utf-8-sig")
            for path in self.convert(files, "txt:Text (encoded):UTF8")
        ]

    def settled_text(self, file: Path, *, accept: bool) -> str:
        """The text of ``file`` with every tracked change accepted (or rejected) by LibreOffice."""
        module = self.profile / "user" / "basic" / "Standard" / "Module1.xba"
        if not module.exists() or "Sub Settle" not in module.read_text():
            self.convert([file], "txt:Text (encoded):UTF8")  # makes the profile
            module.write_text(SETTLE_MACRO, encoding="utf-8")
        target = self.root / f"{file.stem}-{'accepted' if accept else 'rejected'}.txt"
        how = "Accept" if accept else "Reject"
        self._run(
            f'macro:///Standard.Module1.Settle("{file.as_uri()}","{target.as_uri()}","{how}")'
        )
        assert target.exists(), "the macro saved nothing"
        return target.read_text(encoding="utf-8-sig")


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory) -> LibreOffice:
    if SOFFICE is None:
        pytest.fail("LibreOffice is not installed: run .ci/run, which installs it")
    return LibreOffice(tmp_path_factory.mktemp("libreoffice"))
