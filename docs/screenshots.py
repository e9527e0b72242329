"""Screenshots of the built site and of an executed notebook, with headless Chromium.

    bash docs/build.sh && python3 docs/screenshots.py [OUT_DIR]

Writes PNGs (1280 px wide) of the home page, a guide, an API page and two tutorial
pages of ``site/``, and of ``docs/notebooks/02-model-api.ipynb`` executed and rendered by
nbconvert's JupyterLab template, as a learner would see the notebook.  Needs the Debian
package ``chromium`` (``apt-get install chromium``), and nbclient and nbconvert for the
notebook.  Nothing is fetched from the network: MathJax comes from the built site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
PAGES = {
    "home": "index.html",
    "jupyter-guide": "jupyter.html",
    "api-network": "api/network.html",
    "tutorial-model-api": "notebooks/02-model-api.html",
    "tutorial-one-over-m": "notebooks/03-where-does-1-over-m-go.html",
}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("screenshots.py: no chromium found (apt-get install chromium)")


def shoot(url: str, png: Path, height: int = 1600) -> None:
    subprocess.run(
        [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--window-size=1280,{height}", "--virtual-time-budget=8000",
            f"--screenshot={png}", url,
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    print(png)


def notebook_html(out: Path) -> Path:
    """docs/notebooks/02-model-api.ipynb, executed, as JupyterLab's HTML with local MathJax."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    src = ROOT / "docs" / "notebooks" / "02-model-api.ipynb"
    nb = nbformat.read(src, as_version=4)
    path = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(src.parent)}}).execute()
    exporter = HTMLExporter(template_name="lab")
    exporter.mathjax_url = (SITE / "assets/mathjax/MathJax.js").as_uri() + "?config=TeX-AMS_CHTML"
    body, _ = exporter.from_notebook_node(nb)
    page = out / "02-model-api.html"
    page.write_text(body, encoding="utf-8")
    return page


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "site-screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not (SITE / "index.html").exists():
        sys.exit("screenshots.py: build the site first (bash docs/build.sh)")
    for name, page in PAGES.items():
        shoot((SITE / page).as_uri(), out / f"{name}.png")
    shoot(notebook_html(out).as_uri(), out / "notebook-model-api.png", height=4000)


if __name__ == "__main__":
    main()
