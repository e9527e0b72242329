"""Screenshots of ``chainrule playground`` for docs/playground.md, and its frame rate.

    PYTHONPATH=src python3 docs/playground_screenshots.py [OUT_DIR]

Starts the playground (``python -m chainrule playground --no-browser --port 0``), drives its
page in headless Debian chromium through Playwright for Python (no browser download), and
writes into OUT_DIR (default docs/assets/playground/):

- ``decision.png``: a 2-D set after some training: data, network, decision map, loss curves;
- ``backward.png``: the network drawn by dW during a micro-stepped backward pass, with the
  phase's arrays and a hovered weight's formula;
- ``explain.png``: the formula chain half way through a micro-stepped backward pass;
- ``gradients.png``: per-layer gradient sizes of 8 sigmoid layers (vanishing gradients);
- ``images.png``: the MNIST (or cat) preset's image view, when the data files are found.

Then it counts requestAnimationFrame callbacks over 5 s while the network trains on a 2-D set
and prints the frame rate (docs/playground.md records it).  Nothing is fetched from the
network: every request that does not go to 127.0.0.1 is aborted (and reported).
With ``CHAINRULE_PLAYGROUND_URL=http://127.0.0.1:PORT/?token=...`` it uses that running
playground instead of starting one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
URL_RE = re.compile(r"http://127\.0\.0\.1:\d+/\?token=[\w\-]+")
CHROMIUM = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CIRCLE = (
    "dataset=circle&noise=0&train_fraction=0.5&data_seed=0&features=x1,x2&hidden_layers=4,2"
    "&activation=tanh&loss=auto&init_seed=0&optimizer=sgd&lr=0.03&batch_size=10&l2=0"
    "&convention=course"
)
SPIRAL = (
    "dataset=spiral&classes=3&noise=0&train_fraction=0.5&data_seed=0"
    "&features=x1,x2,x1sq,x2sq,x1x2,sin_x1,sin_x2&hidden_layers=8,8,6&activation=tanh&loss=auto"
    "&init_seed=0&optimizer=adam&lr=0.01&batch_size=10&l2=0&convention=course"
)
SIGMOID8 = (
    "dataset=circle&noise=0&train_fraction=0.5&data_seed=0&features=x1,x2"
    "&hidden_layers=4,4,4,4,4,4,4,4&activation=sigmoid&loss=auto&init_seed=0&optimizer=sgd"
    "&lr=0.3&batch_size=10&l2=0&convention=course"
)

IMAGES = (
    "hidden_layers=32&activation=relu&optimizer=adam&lr=0.003&batch_size=32&init_seed=0&l2=0"
    "&convention=course"
)


def start_server() -> tuple[subprocess.Popen[str] | None, str]:
    if os.environ.get("CHAINRULE_PLAYGROUND_URL"):
        return None, os.environ["CHAINRULE_PLAYGROUND_URL"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        match = URL_RE.search(line)
        if match:
            return proc, match.group(0)
    proc.kill()
    sys.exit("playground_screenshots.py: the playground printed no URL")


class Shooter:
    def __init__(self, browser: Any, url: str, out: Path) -> None:
        self.url = url
        self.out = out
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else 0)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def open(self, hash_: str) -> None:
        self.page.goto("about:blank")
        self.page.goto(f"{self.url}#{hash_}")
        self.page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        self.page.mouse.move(1, 1)  # off the network: no link highlighted by the pointer
        self.page.wait_for_timeout(300)

    def until(self, expression: str, timeout: float = 30.0) -> None:
        """Wait for a JavaScript expression to hold (the page's CSP forbids wait_for_function)."""
        for _ in range(int(timeout * 20)):
            if self.page.evaluate(expression):
                return
            self.page.wait_for_timeout(50)
        raise TimeoutError(expression)

    def click(self, selector: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.click(selector)

    def train(self, seconds: float) -> None:
        self.page.click("#btn-play")
        self.page.wait_for_timeout(int(seconds * 1000))
        self.page.click("#btn-play")
        self.until("document.getElementById('btn-play').getAttribute('aria-pressed') === 'false'")
        self.page.wait_for_timeout(800)  # the last maps and points

    def shot(self, name: str, selector: str | None = None, full: bool = False) -> None:
        path = self.out / f"{name}.png"
        # the pointer where the page scrolls to cannot land on a link (mouseenter on scroll)
        self.page.mouse.move(1, 1)
        if selector:
            self.page.locator(selector).screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=full)
        print(path)

    def fps(self, seconds: float = 5.0) -> float:
        """requestAnimationFrame callbacks per second while the network trains."""
        self.page.click("#btn-play")
        self.page.wait_for_timeout(1000)
        frames = self.page.evaluate(
            """(ms) => new Promise((done) => {
                 let n = 0; const t0 = performance.now();
                 const tick = (t) => { n++; if (t - t0 < ms) requestAnimationFrame(tick);
                                       else done([n, t - t0]); };
                 requestAnimationFrame(tick); })""",
            int(seconds * 1000),
        )
        iteration = int(self.page.inner_text("#iteration"))
        self.page.click("#btn-play")
        count, ms = frames
        rate = count / (ms / 1000)
        print(f"frame rate: {count} frames in {ms / 1000:.2f} s = {rate:.1f} frames/s "
              f"while training (iteration {iteration} at the end)")  # fmt: skip
        return float(rate)


def main(out: Path) -> None:
    from playwright.sync_api import Error, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = None
            for path in CHROMIUM:
                try:
                    browser = p.chromium.launch(executable_path=path, headless=True)
                    break
                except Error:
                    continue
            if browser is None:
                sys.exit(
                    "playground_screenshots.py: chromium did not start (apt-get install chromium)"
                )
            s = Shooter(browser, url, out)

            # 1. the 2-D decision view after training: TF Playground's layout
            s.open(CIRCLE)
            s.train(4)
            s.shot("decision", "main.columns")

            # 2. the backward view: links by dW, micro-stepped to the output layer's backward
            #    step (its arrays shown), and a hovered weight's formula with its numbers
            s.page.click("input[name='linkmode'][value='dW']")
            s.click("#btn-step-micro", 5)  # forward 1..3, loss, backward 3
            s.until("document.getElementById('micro-title').textContent.includes('backward')")
            s.page.dispatch_event(
                "#links path.hit[data-layer='3'][data-row='0'][data-col='1']", "mouseenter"
            )
            s.until("document.querySelector('#formula .dw-course') !== null")
            s.page.wait_for_timeout(300)
            s.shot("backward", "main.columns")

            # 3. the formula chain, micro-stepped into the backward pass (the 1/m rows marked)
            s.open(SPIRAL)
            s.train(3)
            s.click("#btn-step-micro", 7)  # forward 1..4, loss, backward 4, backward 3
            s.until("document.getElementById('phase').textContent.includes('backward')")
            s.page.wait_for_timeout(500)
            s.shot("explain", "#panel-explain")
            s.shot("multiclass", "main.columns")

            # 4. vanishing gradients: 8 sigmoid layers
            s.open(SIGMOID8)
            s.train(6)
            s.shot("gradients", "#panel-grads")

            # 5. an image preset, if its files are found
            config = s.page.evaluate("window.playground.meta.datasets")
            for name in ("mnist", "cat"):
                entry = next((d for d in config if d["name"] == name), None)
                if entry and entry["available"]:
                    s.open(f"dataset={name}&{IMAGES}")
                    s.train(6)
                    s.shot("images", "main.columns")
                    break
            else:
                print("images.png: neither cat nor mnist data found (CHAINRULE_DATA)")

            # the frame rate while training on a 2-D set
            s.open(CIRCLE)
            s.fps(5.0)
            if s.errors or s.foreign:
                sys.exit(f"console errors {s.errors}; requests off 127.0.0.1 {s.foreign}")
            browser.close()
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "assets" / "playground")
