"""The playground's real page in a real browser: Playwright for Python driving Debian's chromium.

The server runs as ``python -m chainrule playground --no-browser --port 0`` (a subprocess, as a
user starts it); the page is loaded from the URL it prints.  Every test checks that the page
logged no console error and that no request left 127.0.0.1 (all requests are routed; any other
host is aborted and recorded).  The numbers the page shows are compared with chainrule's core:
the model the page exports is loaded with ``chainrule.load`` and its cost J is computed on the
data the page exports.

Skips (with the reason) when playwright or chromium is absent, unless
``CHAINRULE_REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest

import chainrule
from chainrule.data import read_table

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
URL_RE = re.compile(r"http://127\.0\.0\.1:\d+/\?token=[\w\-]+")
# the circle set, 2-4-2-1 tanh → sigmoid, SGD: a fixed, small starting point for every test
BASE = (
    "dataset=circle&noise=0&train_fraction=0.5&data_seed=0&features=x1,x2&hidden_layers=4,2"
    "&activation=tanh&loss=auto&init_seed=0&optimizer=sgd&lr=0.03&batch_size=10&l2=0"
    "&convention=course"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CHAINRULE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CHAINRULE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _chromium() -> str:
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    found = shutil.which("chromium")
    if found:
        return found
    _unavailable("no chromium (apt-get install chromium)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright; no browser download)")
    path = _chromium()
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=path, headless=True)
        except Error:
            # Debian's /usr/bin/chromium is a shell wrapper; the binary itself also works
            fallback = "/usr/lib/chromium/chromium"
            if path == fallback or not Path(fallback).exists():
                _unavailable(f"chromium at {path} did not start")
            b = p.chromium.launch(executable_path=fallback, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The playground as a user starts it; yields the printed URL (with its token)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    url = None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = URL_RE.search(line)
        if match:
            url = match.group(0)
            break
    if url is None:
        proc.kill()
        pytest.fail("the playground printed no URL:\n" + "".join(seen))
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def api(url: str, path: str) -> Any:
    """GET an /api path with the launch token, as the page does."""
    parts = urlsplit(url)
    token = parts.query.split("token=", 1)[1]
    req = urllib.request.Request(
        f"{parts.scheme}://{parts.netloc}{path}", headers={"X-Chainrule-Token": token}
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        body = response.read()
    return json.loads(body) if response.headers.get_content_type() == "application/json" else body


class Page:
    """A page of the playground with its console errors and off-loopback requests recorded."""

    def __init__(self, browser: Any, url: str, hash_: str = BASE) -> None:
        self.url = url
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{url}#{hash_}")
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} (at {message.location.get('url', '?')})")

    def _route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def text(self, selector: str) -> str:
        return str(self.page.inner_text(selector)).strip()

    def wait(self, predicate: Any, timeout: float = 20.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            self.page.wait_for_timeout(50)
        pytest.fail(f"timed out waiting for {what or predicate}")

    def state(self) -> dict[str, Any]:
        return dict(api(self.url, "/api/state"))

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.foreign == [], f"requests that left 127.0.0.1: {self.foreign}"


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Page]:
    p = Page(browser, server)
    p.wait(lambda: p.text("#iteration") == "0", what="a fresh network (iteration 0)")
    yield p
    if p.state()["running"]:
        p.page.click("#btn-play")
    p.close()


def core_cost(url: str, tmp_path: Path) -> float:
    """J of the served network on its training part, computed by chainrule itself.

    The model and the data come from the page's own exports: the model file loads with
    ``chainrule.load``; the data file lists the training rows first.
    """
    model = tmp_path / "model.npz"
    model.write_bytes(api(url, "/api/export/model"))
    data = tmp_path / "data.csv"
    data.write_bytes(api(url, "/api/export/data"))
    net = chainrule.load(model)
    X_rows, y = read_table(data, need_target=True)
    assert y is not None
    n_train = api(url, "/api/state")["n_train"]
    return float(net.cost(X_rows[:n_train].T, np.asarray(y[:n_train], dtype=float)))


def shown_j(p: Page) -> float | None:
    raw = p.page.get_attribute("#j-value", "data-value")
    return float(raw) if raw else None


def test_page_loads_with_no_console_error_and_no_request_off_loopback(page: Page) -> None:
    assert page.page.title() == "chainrule playground"
    # the explain chain of this network (2-4-2-1) with the 1/m step marked
    page.wait(lambda: page.page.locator("#explain .row").count() > 0, what="the formula chain")
    assert page.page.locator("#explain .row.one-over-m").count() >= 1
    # one input node per feature, a neuron map per unit: 4 + 2 + 1
    assert page.page.locator(".node[data-layer]").count() == 7
    # the router that close() checks does catch a request to another host
    probe = page.context.new_page()
    with pytest.raises(Exception, match="ERR_FAILED"):
        probe.goto("http://example.invalid/x")
    probe.close()
    assert page.foreign == ["http://example.invalid/x"]
    page.foreign.clear()


def test_one_step_changes_the_iteration_and_j_to_the_core_value(page: Page, tmp_path: Path) -> None:
    before = page.wait(lambda: shown_j(page), what="J to be shown")
    assert before == pytest.approx(core_cost(page.url, tmp_path), rel=1e-12)
    page.page.click("#btn-step-batch")
    page.wait(lambda: page.text("#iteration") == "1", what="iteration 1")
    after_core = core_cost(page.url, tmp_path)
    assert after_core != before
    # the page shows the server's J, and that J is the core's, to rounding
    page.wait(lambda: shown_j(page) != before, what="J to change")
    assert shown_j(page) == pytest.approx(after_core, rel=1e-12)
    assert page.state()["iteration"] == 1
    assert page.text("#j-value") == f"{after_core:.6f}"


def test_play_then_pause(page: Page) -> None:
    page.page.click("#btn-play")
    page.wait(lambda: int(page.text("#iteration")) >= 5, what="training to run")
    assert page.page.get_attribute("#btn-play", "aria-pressed") == "true"
    page.page.click("#btn-play")
    page.wait(lambda: page.page.get_attribute("#btn-play", "aria-pressed") == "false", what="pause")
    assert page.state()["running"] is False
    stopped = page.state()["iteration"]
    page.page.wait_for_timeout(500)
    assert page.state()["iteration"] == stopped
    page.wait(lambda: page.text("#iteration") == str(stopped), what="the counter to settle")


def test_micro_steps_walk_the_forward_pass_then_the_backward_pass(page: Page) -> None:
    page.page.click("#btn-step-micro")
    page.wait(lambda: "forward layer 1" in page.text("#phase"), what="forward layer 1")
    assert page.page.locator(".node[data-layer='1'].phase-on").count() == 4
    # the core's Z[1] and A[1] of this batch: 4 rows (units) each
    page.wait(
        lambda: "forward, layer 1" in page.text("#micro-title").lower(), what="the phase panel"
    )
    assert page.page.locator("#micro table").count() == 2
    assert page.page.locator("#micro table").first.locator("tr").count() == 4
    for _ in range(3):  # forward 2, forward 3, loss
        page.page.click("#btn-step-micro")
    page.page.click("#btn-step-micro")
    page.wait(lambda: "backward layer 3" in page.text("#phase"), what="backward layer 3")
    page.wait(
        lambda: "backward, layer 3" in page.text("#micro-title").lower(), what="dZ[3], dW[3], db[3]"
    )
    assert "dW[3]" in page.text("#micro")
    assert page.state()["iteration"] == 0  # nothing applied before the update phase


def test_hovering_a_link_shows_its_formula_under_both_conventions(page: Page) -> None:
    page.page.click("#btn-step-batch")
    page.wait(lambda: page.text("#iteration") == "1", what="iteration 1")
    # the pointer entering that link (a hover at its bounding box's centre may land on another)
    page.page.dispatch_event(
        "#links path.hit[data-layer='2'][data-row='0'][data-col='1']", "mouseenter"
    )
    page.wait(lambda: "W[2]" in page.text("#formula"), what="the formula of W[2]")
    text = page.text("#formula")
    assert "course" in text
    assert "cost" in text
    assert "the same gradient under both conventions" in text
    formula = api(page.url, "/api/formula?layer=2&row=0&col=1")
    shown = page.page.get_attribute("#formula .dw-course", "data-value")
    assert shown is not None
    assert float(shown) == formula["course"]["value"]


def test_an_activation_change_redraws_the_map(page: Page) -> None:
    canvas = "document.getElementById('map').toDataURL()"
    page.wait(lambda: page.page.evaluate(canvas) is not None, what="the map")
    page.page.wait_for_timeout(400)
    before = page.page.evaluate(canvas)
    page.page.select_option("#activation", "relu")
    page.wait(lambda: page.state()["config"]["activation"] == "relu", what="relu")
    page.wait(lambda: page.page.evaluate(canvas) != before, what="the map to be redrawn")
    assert "activation=relu" in page.page.url


def test_a_csv_upload_trains_on_the_uploaded_rows(page: Page, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-5, 5, size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    csv = tmp_path / "quadrants.csv"
    rows = ["a,b,label"] + [f"{a:.6f},{b:.6f},{c}" for (a, b), c in zip(X, y, strict=True)]
    csv.write_text("\n".join(rows) + "\n")
    page.page.set_input_files("#upload", str(csv))
    page.wait(lambda: "60 rows" in page.text("#upload-status"), what="the upload to be read")
    state = page.state()
    assert state["config"]["dataset"] == "upload"
    assert state["n_train"] + state["n_test"] == 60
    page.page.click("#btn-step-batch")
    page.wait(lambda: page.text("#iteration") == "1", what="a step on the uploaded data")


def test_the_exported_model_loads_with_chainrule_load(page: Page, tmp_path: Path) -> None:
    page.page.click("#btn-step-epoch")
    page.wait(lambda: page.state()["iteration"] > 0, what="an epoch")
    with page.page.expect_download() as info:
        page.page.click("#export-model")
    path = tmp_path / "exported.npz"
    info.value.save_as(path)
    net = chainrule.load(path)
    state = page.state()
    assert [W.shape[1] for W in net.Ws] + [net.Ws[-1].shape[0]] == state["layer_dims"]
    for layer in state["layers"]:
        np.testing.assert_array_equal(net.parameters[f"W{layer['l']}"], np.array(layer["W"]))
        np.testing.assert_array_equal(
            net.parameters[f"b{layer['l']}"].ravel(), np.array(layer["b"]).ravel()
        )


def test_a_teacher_link_sets_the_state_and_hides_controls(browser: Any, server: str) -> None:
    link = BASE.replace("lr=0.03", "lr=0.1").replace("hidden_layers=4,2", "hidden_layers=3")
    link = link.replace("convention=course", "convention=cost")
    p = Page(browser, server, f"{link}&hide=optimizer,l2,layers")
    try:
        p.wait(lambda: p.state()["config"]["hidden_layers"] == [3], what="the link's network")
        config = p.state()["config"]
        assert config["lr"] == 0.1
        assert config["convention"] == "cost"
        assert p.page.input_value("#learning_rate") == "0.1"
        assert p.page.is_checked("input[name='convention'][value='cost']")
        assert not p.page.is_visible("#optimizer")
        assert not p.page.is_visible("#l2")
        assert p.page.is_visible("#activation")
        assert not p.page.is_visible("#btn-add-layer")
        p.wait(lambda: p.page.locator(".layer-head .nbtn").count() == 1, what="the network")
        assert not p.page.is_visible(".layer-head .nbtn")  # built after the link was read
        assert "hide=optimizer,l2,layers" in p.page.url  # the page keeps the hidden controls
    finally:
        p.close()


def test_the_nan_guard_pauses_and_names_the_layer(browser: Any, server: str) -> None:
    # identity layers and a learning rate of 10 on squared features overflow in a few steps
    diverging = (
        BASE.replace("features=x1,x2", "features=x1,x2,x1sq,x2sq")
        .replace("hidden_layers=4,2", "hidden_layers=8,8,8")
        .replace("activation=tanh", "activation=identity")
        .replace("lr=0.03", "lr=10")
    )
    p = Page(browser, server, diverging)
    try:
        p.page.click("#btn-play")
        p.wait(lambda: p.page.is_visible("#nan-banner"), what="the NaN guard's banner")
        nan = p.state()["nan"]
        assert nan is not None
        assert p.state()["running"] is False
        assert f"layer {nan['layer']}" in p.text("#nan-banner")
        assert p.page.locator(f".node.nan-on[data-layer='{nan['layer']}']").count() > 0
        assert p.page.is_disabled("#btn-step-batch")
        p.page.click("#btn-reset")  # a reset clears the guard
        p.wait(lambda: not p.page.is_visible("#nan-banner"), what="the banner to go")
    finally:
        p.close()


def test_history_export_and_copy_as_command_reproduce_the_run(page: Page, tmp_path: Path) -> None:
    page.page.click("#btn-step-epoch")
    page.wait(lambda: page.state()["iteration"] > 0, what="an epoch")
    iteration = page.state()["iteration"]
    with page.page.expect_download() as info:
        page.page.click("#export-history")
    path = tmp_path / "history.json"
    info.value.save_as(path)
    exported = json.loads(path.read_text())
    assert exported["config"] == page.state()["config"]
    assert exported["history"]["iteration"][-1] == iteration
    page.page.click("#btn-copy-command")
    page.wait(lambda: "chainrule train" in page.text("#share-text"), what="the command")
    assert api(page.url, "/api/command")["command"] in page.text("#share-text")
    page.page.click("#btn-copy-python")
    page.wait(lambda: "import chainrule" in page.text("#share-text"), what="the Python snippet")


@pytest.mark.data("mnist")
def test_the_mnist_preset_labels_its_output_neurons_0_to_9(
    browser: Any, server: str, data_dir: Path
) -> None:
    images = BASE.replace("dataset=circle", "dataset=mnist").replace(
        "hidden_layers=4,2", "hidden_layers=8"
    )
    p = Page(browser, server, images)
    try:
        p.wait(lambda: p.state()["config"]["dataset"] == "mnist", what="the mnist preset")
        labels = p.page.locator("#nodes .olabel .oname")
        p.wait(lambda: labels.count() == 10, what="ten output labels")
        assert labels.all_inner_texts() == [str(d) for d in range(10)]
        # each beside its neuron: the mean probability of its class over the samples shown,
        # the server's numbers (it evaluates the same network: the page takes no step)
        values = p.page.locator("#nodes .olabel .oval")
        p.wait(lambda: all(t.strip() for t in values.all_inner_texts()), what="the means")
        outputs = api(server, "/api/maps")["outputs"]
        assert [o["label"] for o in outputs] == [str(d) for d in range(10)]
        shown = [float(t) for t in values.all_inner_texts()]
        assert shown == pytest.approx([o["mean"] for o in outputs], abs=0.006)  # 2 decimals
        # the "784 pixels" input shows the mean training image (28 x 28), not an empty box
        size = p.page.evaluate("(() => { const c = window.playground.inputCanvases.pixels;"
                               " return [c.width, c.height]; })()")  # fmt: skip
        assert size == [28, 28]
        # the J readout is one box: a long number like 8.15307e-4 never breaks across lines
        rects = "document.getElementById('j-value').getClientRects().length"
        assert p.page.evaluate(rects) == 1
    finally:
        p.close()


def test_a_three_class_set_labels_each_output_neuron_with_its_class_colour(
    browser: Any, server: str
) -> None:
    spiral = BASE.replace("dataset=circle", "dataset=spiral&classes=3")
    p = Page(browser, server, spiral)
    try:
        p.wait(lambda: p.state()["classes"] == 3, what="the 3-class spiral")
        names = p.page.locator("#nodes .olabel .oname")
        p.wait(lambda: names.count() == 3, what="three output labels")
        assert names.all_inner_texts() == ["class 0", "class 1", "class 2"]
        legend = p.page.locator("#class-legend span:not(.ring)")
        p.wait(lambda: legend.count() == 3, what="the class legend")
        colour = "(el) => getComputedStyle(el).getPropertyValue('--c').trim()"
        swatches = [names.nth(k).evaluate(colour) for k in range(3)]
        assert swatches == [legend.nth(k).evaluate(colour) for k in range(3)]
        assert len(set(swatches)) == 3
    finally:
        p.close()
