// chainrule playground: the page. It sends the user's choices to the server, polls the
// state (~12 Hz, small JSON), fetches the maps and points less often, and draws on
// requestAnimationFrame. It does no maths: every number shown comes from chainrule's core.
import { get, post, postText, link, ApiError } from "./api.js";
import {
  CLASS_COLOURS, LAYER_COLOURS, NEG, POS, css, diverging, lineChart, lossColour, paintGrid,
  paintImage, towards,
} from "./draw.js";

const $ = (id) => document.getElementById(id);
const PLAY_ICON = '<svg viewBox="0 0 10 10" width="18" height="18" aria-hidden="true"><polygon points="2.5,1 9,5 2.5,9" fill="currentColor"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 10 10" width="18" height="18" aria-hidden="true"><rect x="1.8" y="1" width="2.4" height="8" fill="currentColor"/><rect x="5.8" y="1" width="2.4" height="8" fill="currentColor"/></svg>';
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const L2_VALUES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const URL_KEYS = [
  "dataset", "classes", "n_points", "noise", "train_fraction", "data_seed", "features",
  "hidden_layers", "activation", "loss", "init", "init_seed", "optimizer", "lr", "batch_size",
  "l2", "convention",
];
const POLL_MS = 80;      // state: ~12 Hz
const MAPS_MS = 250;     // maps and points: ≤ 4 Hz, only when the state changed
const IMAGE_MAPS_MS = 1500; // image presets: samples and weight images are larger
const MAX_SHOWN = 10;    // neurons drawn per layer (image presets have up to 64)

const ui = {
  meta: null,          // /api/config
  state: null,         // the last /api/state
  maps: null,          // the last /api/maps
  points: null,        // the last /api/points
  explain: null,       // the last /api/explain
  history: null,       // merged history points
  convention: "course",
  linkMode: "W",
  gradKind: "dZ",
  colourByLoss: false,
  showTest: true,
  hovered: null,       // {layer, row, col}
  dirty: { state: true, maps: true, points: true, explain: true, network: true },
  mapsVersion: -1,
  pointsVersion: -1,
  explainKey: "",
  networkKey: "",
  lastMapsAt: 0,
  formulaVersion: -1,
  busy: Promise.resolve(),
};
window.playground = ui; // for the browser tests and the curious: read-only use

// ---------------------------------------------------------------- formatting
const fmt = (v, digits = 4) => {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(digits - 1);
  return v.toFixed(digits);
};
const sub = (n) => String(n).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);

function showError(err) {
  const banner = $("error-banner");
  if (!err) { banner.hidden = true; return; }
  banner.textContent = err instanceof ApiError ? `Server: ${err.message}` : `Error: ${err.message || err}`;
  banner.hidden = false;
}

// Serialise the requests that change the state, so two clicks never interleave.
function act(fn) {
  ui.busy = ui.busy.then(async () => {
    try {
      const state = await fn();
      showError(null);
      if (state && state.layer_dims) acceptState(state, true);
    } catch (err) {
      showError(err);
    }
  });
  return ui.busy;
}

// ---------------------------------------------------------------- URL state
function configToHash(config) {
  const params = new URLSearchParams();
  for (const key of URL_KEYS) {
    if (!(key in config)) continue;
    const v = config[key];
    params.set(key, Array.isArray(v) ? v.join(",") : String(v));
  }
  if (ui.linkMode !== "W") params.set("links", ui.linkMode);
  const hide = new URLSearchParams(window.location.hash.slice(1)).get("hide");
  if (hide) params.set("hide", hide);
  return params.toString().replace(/%2C/g, ",");
}

function hashToConfig() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const config = {};
  const numeric = new Set(["classes", "n_points", "noise", "train_fraction", "data_seed",
    "init_seed", "lr", "batch_size", "l2"]);
  for (const key of URL_KEYS) {
    if (!params.has(key)) continue;
    const raw = params.get(key);
    if (key === "features") config.features = raw ? raw.split(",") : [];
    else if (key === "hidden_layers") config.hidden_layers = raw ? raw.split(",").map(Number) : [];
    else if (numeric.has(key)) config[key] = Number(raw);
    else config[key] = raw;
  }
  if (params.get("links") === "dW") ui.linkMode = "dW";
  const hide = (params.get("hide") || "").split(",").filter(Boolean);
  return { config, hide };
}

function writeUrl() {
  if (!ui.state) return;
  const hash = configToHash(ui.state.config);
  const url = `${window.location.pathname}${window.location.search}#${hash}`;
  window.history.replaceState(null, "", url);
}

function applyHide(hide) {
  ui.hide = hide; // kept: the network's buttons are rebuilt with it
  for (const name of hide) {
    for (const el of document.querySelectorAll(`[data-control="${CSS.escape(name)}"]`)) {
      el.classList.add("hidden-by-link");
    }
  }
}

// ---------------------------------------------------------------- controls
function fillSelect(select, values, labelOf = String) {
  select.replaceChildren(
    ...values.map((v) => {
      const o = document.createElement("option");
      o.value = String(v);
      o.textContent = labelOf(v);
      return o;
    }),
  );
}

function setSelect(select, value, labelOf = String) {
  const v = String(value);
  if (![...select.options].some((o) => o.value === v)) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = labelOf(value);
    select.append(o);
  }
  select.value = v;
}

const change = (config, reinit = false) => act(() => post("/api/reset", { config, reinit }));
// lr, L2, batch size and the 1/m convention change without a reset (the weights are kept)
const tune = (config) => act(() => post("/api/tune", { config }));

function buildControls() {
  const meta = ui.meta;
  fillSelect($("learning_rate"), LEARNING_RATES);
  fillSelect($("activation"), meta.activations, (a) => a.replace("_", " "));
  fillSelect($("problem"), meta.losses, (l) => ({
    auto: "auto (from the data)", binary_crossentropy: "binary cross-entropy",
    categorical_crossentropy: "softmax cross-entropy", squared_error: "squared error",
  })[l] || l);
  fillSelect($("optimizer"), meta.optimizers.map((o) => o.name));
  fillSelect($("l2"), L2_VALUES);

  $("learning_rate").addEventListener("change", (e) => tune({ lr: Number(e.target.value) }));
  $("activation").addEventListener("change", (e) => change({ activation: e.target.value }));
  $("problem").addEventListener("change", (e) => change({ loss: e.target.value }));
  $("optimizer").addEventListener("change", (e) => {
    const opt = meta.optimizers.find((o) => o.name === e.target.value);
    change({ optimizer: e.target.value, ...(opt && opt.default_lr ? { lr: opt.default_lr } : {}) });
  });
  $("l2").addEventListener("change", (e) => tune({ l2: Number(e.target.value) }));
  $("classes").addEventListener("change", (e) => change({ classes: Number(e.target.value) }));

  // data sets
  const box = $("datasets");
  box.replaceChildren();
  for (const d of meta.datasets) {
    if (d.kind === "upload") continue;
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "radio");
    b.dataset.name = d.name;
    b.textContent = d.label || d.name;
    b.setAttribute("aria-label", `Data set ${d.label || d.name}${d.available ? "" : " (not available)"}`);
    if (d.kind === "images") b.classList.add("preset");
    if (!d.available) { b.disabled = true; b.title = d.reason || "not available"; }
    b.addEventListener("click", () => change({ dataset: d.name }));
    box.append(b);
  }

  for (const id of ["train_fraction", "noise", "batch_size"]) {
    const input = $(id);
    input.addEventListener("input", () => { $(`${id}-out`).textContent = sliderText(id, input.value); });
    input.addEventListener("change", () => {
      const v = Number(input.value);
      if (id === "batch_size") tune({ batch_size: v });
      else change({ [id]: id === "train_fraction" ? v / 100 : v });
    });
  }
  for (const id of ["data_seed", "init_seed"]) {
    $(id).addEventListener("change", (e) => change({ [id]: Number(e.target.value) }));
  }
  $("btn-regenerate").addEventListener("click", () => change({ data_seed: Number($("data_seed").value) + 1 }));

  $("btn-reset").addEventListener("click", () => change({}, false));
  $("btn-reinit").addEventListener("click", () => change({}, true));
  $("btn-play").addEventListener("click", () => act(() => post("/api/play", { running: !ui.state.running })));
  $("btn-step-batch").addEventListener("click", () => act(() => post("/api/step", { unit: "batch" })));
  $("btn-step-epoch").addEventListener("click", () => act(() => post("/api/step", { unit: "epoch" })));
  $("btn-step-micro").addEventListener("click", () => act(() => post("/api/step", { unit: "micro" })));

  $("btn-add-layer").addEventListener("click", () => {
    const h = [...ui.state.config.hidden_layers];
    if (h.length < meta.limits.max_hidden_layers) change({ hidden_layers: [...h, h.length ? h[h.length - 1] : 2] });
  });
  $("btn-remove-layer").addEventListener("click", () => {
    const h = [...ui.state.config.hidden_layers];
    if (h.length) change({ hidden_layers: h.slice(0, -1) });
  });

  for (const r of document.querySelectorAll('input[name="linkmode"]')) {
    r.checked = r.value === ui.linkMode;
    r.addEventListener("change", () => { ui.linkMode = r.value; ui.dirty.network = true; writeUrl(); });
  }
  for (const r of document.querySelectorAll('input[name="convention"]')) {
    r.checked = r.value === ui.convention;
    r.addEventListener("change", async () => {
      ui.convention = r.value;
      await tune({ convention: r.value });
      ui.explainKey = "";
      loadExplain();
      if (ui.hovered) showFormula(ui.hovered, true);
    });
  }
  for (const r of document.querySelectorAll('input[name="gradkind"]')) {
    r.addEventListener("change", () => { ui.gradKind = r.value; ui.dirty.state = true; });
  }
  $("colour-by-loss").addEventListener("change", (e) => { ui.colourByLoss = e.target.checked; ui.dirty.maps = true; });
  $("show-test").checked = true;
  $("show-test").addEventListener("change", (e) => { ui.showTest = e.target.checked; ui.dirty.maps = true; });

  $("upload").addEventListener("change", onUpload);
  $("btn-gradcheck").addEventListener("click", runGradcheck);

  $("export-model").href = link("/api/export/model");
  $("export-history").href = link("/api/export/history?format=json");
  $("export-history-csv").href = link("/api/export/history?format=csv");
  $("export-data").href = link("/api/export/data");
  $("btn-copy-command").addEventListener("click", () => copyCommand("command"));
  $("btn-copy-python").addEventListener("click", () => copyCommand("python"));
  $("btn-copy-link").addEventListener("click", () => {
    const hash = configToHash(ui.state.config);
    copyText(`${window.location.origin}${window.location.pathname}#${hash}`,
      "Link copied. The part after # is the state: append it to any playground's URL " +
      "(its own ?token=... first). Add &hide=optimizer,l2,... to hide controls.");
  });
}

function sliderText(id, value) {
  if (id === "train_fraction") return `${value}%`;
  if (id === "batch_size") return Number(value) === 0 ? "full batch" : String(value);
  return String(value);
}

// Show the server's config in the controls (after every reset: the server checks it).
function syncControls(state) {
  const c = state.config;
  setSelect($("learning_rate"), c.lr);
  setSelect($("activation"), c.activation);
  setSelect($("problem"), c.loss);
  setSelect($("optimizer"), c.optimizer);
  setSelect($("l2"), c.l2);
  for (const b of $("datasets").querySelectorAll("button")) {
    b.setAttribute("aria-checked", String(b.dataset.name === c.dataset));
  }
  const tf = Math.round(c.train_fraction * 100);
  $("train_fraction").value = tf;
  $("train_fraction-out").textContent = sliderText("train_fraction", tf);
  $("noise").value = c.noise;
  $("noise-out").textContent = sliderText("noise", c.noise);
  $("batch_size").max = Math.max(30, c.batch_size);
  $("batch_size").value = c.batch_size;
  $("batch_size-out").textContent = sliderText("batch_size", c.batch_size);
  $("data_seed").value = c.data_seed;
  if (c.convention) {
    ui.convention = c.convention;
    for (const r of document.querySelectorAll('input[name="convention"]')) r.checked = r.value === c.convention;
  }
  $("init_seed").value = c.init_seed;
  const multi = c.dataset === "gauss" || c.dataset === "spiral";
  $("classes-wrap").hidden = !multi;
  setSelect($("classes"), c.classes);
  const images = isImages(state);
  // image presets have a fixed split and no noise; an upload has no noise
  $("noise").closest("label").hidden = images || c.dataset === "upload";
  $("train_fraction").closest("label").hidden = images;
  $("btn-regenerate").hidden = images || c.dataset === "upload";
  $("n-hidden").textContent = String(c.hidden_layers.length);
  $("btn-remove-layer").disabled = c.hidden_layers.length === 0;
  $("btn-add-layer").disabled = c.hidden_layers.length >= ui.meta.limits.max_hidden_layers;
}

const isImages = (state) => {
  const d = ui.meta.datasets.find((x) => x.name === state.config.dataset);
  return d ? d.kind === "images" : false;
};

// ---------------------------------------------------------------- state and polling
function mergeHistory(h) {
  if (!h) return;
  const keys = ["iteration", "epoch", "train_loss", "test_loss", "J", "norm_dZ", "norm_dW", "ratio"];
  const mine = ui.history;
  if (!mine || mine.generation !== h.generation || h.start === 0) {
    ui.history = { generation: h.generation };
    for (const k of keys) ui.history[k] = [...(h[k] || [])];
  } else if (h.start === mine.iteration.length) {
    for (const k of keys) for (const v of h[k] || []) mine[k].push(v);
  } // else: an answer to an older request (the next poll asks from the right index)
}

function acceptState(state, fromAction = false) {
  const old = ui.state;
  if (old && state.version < old.version) return; // an older answer that arrived late
  ui.state = state;
  mergeHistory(state.history);
  if (!old || old.version !== state.version || fromAction) {
    ui.dirty.state = true;
    ui.dirty.network = true;
  }
  const configChanged = !old || JSON.stringify(old.config) !== JSON.stringify(state.config);
  if (configChanged) {
    ui.hovered = null; // the hovered weight may not exist any more
    $("formula").textContent = "Hover a link in the network to see its dW with the current numbers.";
    syncControls(state);
    writeUrl();
    ui.formulaVersion = -1;
    $("gradcheck-result").textContent = "not run";
    $("gradcheck-result").className = "";
  }
  document.body.dataset.version = String(state.version);
}

async function poll() {
  try {
    const h = ui.history;
    const q = h ? `?since=${h.iteration.length}&generation=${h.generation}` : "";
    const state = await get(`/api/state${q}`);
    acceptState(state);
    const now = performance.now();
    const every = ui.maps && ui.maps.kind === "images" ? IMAGE_MAPS_MS : MAPS_MS;
    if (now - ui.lastMapsAt >= every && (state.version !== ui.mapsVersion || state.version !== ui.pointsVersion)) {
      ui.lastMapsAt = now;
      await loadMapsAndPoints(state.version);
    }
    const key = explainKey(state);
    if (key !== ui.explainKey) loadExplain();
    if (ui.hovered && ui.formulaVersion !== state.version && !state.running) showFormula(ui.hovered, true);
    const ph = state.phase || { name: "idle" };
    if (ph.name !== "idle" && ui.microVersion !== state.version) {
      ui.microVersion = state.version;
      ui.micro = await get("/api/micro");
      ui.dirty.micro = true;
    } else if (ph.name === "idle" && ui.micro) {
      ui.micro = null;
      ui.dirty.micro = true;
    }
  } catch (err) {
    showError(err);
  }
  setTimeout(poll, POLL_MS);
}

async function loadMapsAndPoints(version) {
  const [maps, points] = await Promise.all([
    get("/api/maps?resolution=60&neuron_resolution=24"),
    get("/api/points"),
  ]);
  ui.maps = maps;
  ui.points = points;
  ui.mapsVersion = version;
  ui.pointsVersion = version;
  ui.dirty.maps = true;
  ui.dirty.points = true;
}

const explainKey = (state) =>
  JSON.stringify([state.layer_dims, state.activations, state.loss, state.config.l2, ui.convention]);

async function loadExplain() {
  if (!ui.state) return;
  const key = explainKey(ui.state);
  ui.explainKey = key;
  try {
    const data = await get(`/api/explain?convention=${ui.convention}`);
    if (key === ui.explainKey) { ui.explain = data; ui.dirty.explain = true; }
  } catch (err) {
    $("explain").textContent = `explain failed: ${err.message}`;
  }
}

// ---------------------------------------------------------------- network diagram
function featureList(state) {
  if (isImages(state)) return [{ name: "pixels", label: `${state.layer_dims[0]} pixels`, on: true }];
  if (state.config.dataset === "upload") {
    return Array.from({ length: state.layer_dims[0] }, (_, k) => ({ name: `f${k}`, label: `x${sub(k + 1)}`, on: true }));
  }
  return ui.meta.features.map((f) => ({ ...f, on: state.config.features.includes(f.name) }));
}

// The output units' classes, from the server's class names: a 2-D set's classes are
// "class k" in the legend's colour; an image preset's are its names (mnist "0".."9", cat
// "non-cat"/"cat"). A single sigmoid unit outputs P(the second class). null: regression.
function outputLabels(state) {
  if (state.task === "regression") return null;
  const n = state.layer_dims[state.layer_dims.length - 1];
  const names = (state.dataset && state.dataset.class_names) || [];
  const images = isImages(state);
  const named = images || state.config.dataset === "upload";
  const binary = state.task === "binary";
  const colourOf = (k) => (binary ? [NEG, POS][k] : CLASS_COLOURS[k % CLASS_COLOURS.length]);
  const label = (k) => {
    const name = named && names[k] !== undefined ? names[k] : `class ${k}`;
    return { text: n === 1 ? `P(${name})` : name, colour: images ? null : colourOf(k) };
  };
  return n === 1 ? [label(1)] : Array.from({ length: n }, (_, k) => label(k));
}

// Node positions: column k = layer k (0 = inputs), rows centred vertically.
function layout(state) {
  const net = $("network");
  const W = net.clientWidth, H = net.clientHeight;
  const feats = featureList(state);
  const cols = state.layer_dims.length;
  const left = 70, top = 44;
  const right = outputLabels(state) ? 96 : 40; // room for the output units' class labels
  const rowsOf = (k) => (k === 0 ? feats.length : Math.min(state.layer_dims[k], MAX_SHOWN));
  const maxRows = Math.max(...Array.from({ length: cols }, (_, k) => rowsOf(k)));
  const gap = Math.min(48, (H - top - 10) / Math.max(1, maxRows));
  const node = Math.max(24, Math.min(38, Math.floor(gap) - 5)); // boxes never touch
  const xs = Array.from({ length: cols }, (_, k) => left + ((W - left - right - node) * k) / Math.max(1, cols - 1));
  const pos = [];
  for (let k = 0; k < cols; k++) {
    const n = rowsOf(k);
    const y0 = top + ((maxRows - n) * gap) / 2;
    pos.push(Array.from({ length: n }, (_, i) => ({ x: xs[k], y: y0 + i * gap })));
  }
  return { pos, feats, node, xs };
}

function buildNetwork() {
  const state = ui.state;
  const { pos, feats, node, xs } = layout(state);
  ui.layout = { pos, feats, node };
  const nodes = $("nodes");
  nodes.style.setProperty("--node", `${node}px`);
  nodes.replaceChildren();
  const L = state.layer_dims.length - 1;
  // input column: the features (click to switch one on or off)
  const inputIdx = [];
  ui.inputCanvases = {};
  feats.forEach((f, i) => {
    const el = document.createElement("div");
    el.className = `node input${f.on ? "" : " off"}`;
    el.dataset.control = "features";
    el.style.left = `${pos[0][i].x - 48}px`;
    el.style.top = `${pos[0][i].y}px`;
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("aria-pressed", String(f.on));
    b.setAttribute("aria-label", `Input feature ${f.label}: ${f.on ? "on" : "off"}`);
    b.innerHTML = `<span class="fname"></span><canvas width="1" height="1"></canvas>`;
    b.querySelector(".fname").textContent = f.label;
    const canvas = b.querySelector("canvas");
    canvas.style.background = f.on ? "#dfe7ee" : "#f3f3f3";
    canvas.setAttribute("aria-hidden", "true");
    ui.inputCanvases[f.name] = canvas;
    if (!isImages(state) && state.config.dataset !== "upload") {
      b.addEventListener("click", () => {
        const cur = state.config.features;
        const next = cur.includes(f.name) ? cur.filter((x) => x !== f.name) : [...cur, f.name];
        if (next.length) change({ features: ui.meta.features.map((x) => x.name).filter((x) => next.includes(x)) });
      });
    }
    el.append(b);
    nodes.append(el);
    if (f.on) inputIdx.push(i);
  });
  ui.layout.inputIdx = inputIdx; // input unit j of the network sits at row inputIdx[j]
  // heads and neurons of layers 1..L
  ui.neuronCanvases = [];
  for (let l = 1; l <= L; l++) {
    const head = document.createElement("div");
    head.className = "layer-head";
    head.dataset.layer = String(l);
    head.style.left = `${xs[l] + node / 2}px`;
    const n = state.layer_dims[l];
    const hidden = l < L;
    head.innerHTML = hidden
      ? `<div class="nbtn"><button class="round small" aria-label="Add a neuron to layer ${l}">+</button>` +
        `<button class="round small" aria-label="Remove a neuron from layer ${l}">&minus;</button></div>` +
        `<div>${n} neuron${n === 1 ? "" : "s"}${n > MAX_SHOWN ? ` (${MAX_SHOWN} shown)` : ""}</div>`
      : `<div>output</div><div>${state.activations[l - 1]}</div>`;
    if (hidden) {
      head.querySelector(".nbtn").dataset.control = "layers";
      const [plus, minus] = head.querySelectorAll("button");
      const limit = isImages(state) ? ui.meta.limits.max_neurons_images : ui.meta.limits.max_neurons;
      plus.disabled = n >= limit;
      minus.disabled = n <= 1;
      const edit = (delta) => {
        const h = [...state.config.hidden_layers];
        h[l - 1] = Math.max(1, Math.min(limit, h[l - 1] + delta));
        change({ hidden_layers: h });
      };
      plus.addEventListener("click", () => edit(1));
      minus.addEventListener("click", () => edit(-1));
    } else {
      head.style.top = "14px";
    }
    nodes.append(head);
    const canvases = [];
    pos[l].forEach((p, i) => {
      const el = document.createElement("div");
      el.className = "node";
      el.dataset.layer = String(l);
      el.style.left = `${p.x}px`;
      el.style.top = `${p.y}px`;
      el.title = `A[${l}]${sub(i)}: unit ${i} of layer ${l} (hover: its bias b[${l}]${sub(i)})`;
      const c = document.createElement("canvas");
      c.width = 24; c.height = 24;
      c.setAttribute("aria-label", `Map of neuron ${i} of layer ${l}`);
      el.append(c);
      el.addEventListener("mouseenter", () => showFormula({ layer: l, row: i, col: null }));
      // from the keyboard: Tab to a neuron shows its bias's gradient
      el.tabIndex = 0;
      el.setAttribute("aria-label", `Neuron ${i} of layer ${l}: its bias gradient db[${l}]${sub(i)}`);
      el.addEventListener("focus", () => showFormula({ layer: l, row: i, col: null }));
      nodes.append(el);
      canvases.push(c);
      const labels = l === L ? outputLabels(state) : null;
      if (labels && labels[i]) {
        const lab = document.createElement("div");
        lab.className = "olabel";
        lab.dataset.unit = String(i);
        lab.style.left = `${p.x + node + 6}px`;
        lab.style.top = `${p.y + node / 2}px`;
        lab.innerHTML = '<span class="oname"></span><span class="oval"></span>';
        const name = lab.querySelector(".oname");
        name.textContent = labels[i].text;
        if (labels[i].colour) name.style.setProperty("--c", css(labels[i].colour));
        else name.classList.add("plain");
        nodes.append(lab);
      }
    });
    ui.neuronCanvases[l] = canvases;
  }
  // links: one path per weight (drawn) plus a wide transparent one (hover target)
  const svg = $("links");
  svg.replaceChildren();
  const NS = "http://www.w3.org/2000/svg";
  ui.paths = [];
  for (let l = 1; l <= L; l++) {
    const from = l === 1 ? inputIdx.map((r) => pos[0][r]) : pos[l - 1];
    const to = pos[l];
    if (l === 1 && isImages(state)) continue; // thousands of pixel weights: see the weight images
    const rows = [];
    for (let i = 0; i < to.length; i++) {
      const row = [];
      for (let j = 0; j < from.length; j++) {
        const a = from[j], b = to[i];
        const x1 = a.x + (l === 1 ? node : node), y1 = a.y + node / 2;
        const x2 = b.x, y2 = b.y + node / 2;
        const mx = (x1 + x2) / 2;
        const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
        const p = document.createElementNS(NS, "path");
        p.setAttribute("d", d);
        const hit = document.createElementNS(NS, "path");
        hit.setAttribute("d", d);
        hit.setAttribute("class", "hit");
        const target = { layer: l, row: i, col: j };
        hit.addEventListener("mouseenter", () => { p.classList.add("hover"); showFormula(target); });
        hit.addEventListener("mouseleave", () => p.classList.remove("hover"));
        const title = document.createElementNS(NS, "title");
        title.textContent = `W[${l}]${sub(i)}${sub(j)}`;
        hit.append(title);
        svg.append(p);
        row.push(p);
        hit.dataset.layer = String(l); hit.dataset.row = String(i); hit.dataset.col = String(j);
        svg.append(hit);
      }
      rows.push(row);
    }
    ui.paths[l] = rows;
  }
  if (ui.hide) applyHide(ui.hide);
}

function drawLinks() {
  const state = ui.state;
  const key = ui.linkMode;
  let max = 0;
  for (const layer of state.layers) {
    const M = layer[key];
    if (!M) continue;
    for (const row of M) for (const v of row) if (v !== null && Math.abs(v) > max) max = Math.abs(v);
  }
  for (const layer of state.layers) {
    const rows = ui.paths[layer.l];
    if (!rows) continue;
    const M = layer[key];
    for (let i = 0; i < rows.length; i++) {
      for (let j = 0; j < rows[i].length; j++) {
        const p = rows[i][j];
        const v = M && M[i] ? M[i][j] : null;
        if (v === null || v === undefined || max === 0) {
          p.setAttribute("stroke", "#ddd");
          p.setAttribute("stroke-width", "1");
          continue;
        }
        const t = Math.abs(v) / max;
        p.setAttribute("stroke", css(v < 0 ? NEG : POS, 0.25 + 0.75 * t));
        p.setAttribute("stroke-width", String(0.6 + 7 * t));
      }
    }
  }
  $("link-scale").textContent = max > 0 ? `widest = |${key}| ${fmt(max, 3)}` : `no ${key} yet: take a step`;
}

function drawPhase() {
  const ph = ui.state.phase || { name: "idle" };
  const el = $("phase");
  el.className = `phase ${ph.name}`;
  el.textContent = ph.name === "idle" ? "idle"
    : `${ph.name}${ph.layer ? ` layer ${ph.layer}` : ""} (${ph.index}/${ph.count})`;
  for (const n of document.querySelectorAll(".node[data-layer], .layer-head")) {
    n.classList.toggle("phase-on", ph.name !== "idle" && ph.layer !== null && Number(n.dataset.layer) === ph.layer);
  }
  if (ph.name === "update") for (const n of document.querySelectorAll(".node[data-layer]")) n.classList.add("phase-on");
  for (const r of document.querySelectorAll("#explain .row")) {
    const on = ph.name !== "idle" && r.dataset.phase === ph.name &&
      (ph.layer === null || ph.layer === undefined || Number(r.dataset.layer) === ph.layer);
    r.classList.toggle("phase-on", on);
  }
  // keep the formulas of the current phase in view (scroll the panel, not the page)
  const key = `${ph.name}:${ph.layer}`;
  if (key !== ui.phaseKey) {
    ui.phaseKey = key;
    const row = document.querySelector("#explain .row.phase-on");
    if (row) $("explain").scrollTop = Math.max(0, row.offsetTop - 60);
  }
}

// ---------------------------------------------------------------- output views
function binaryColour(p) { return diverging(2 * p - 1); }

function drawMaps() {
  const state = ui.state, maps = ui.maps;
  const images = maps && maps.kind === "images";
  $("view-2d").hidden = !!images;
  $("view-images").hidden = !images;
  if (!maps) return;
  if (images) { drawImageView(maps); return; }
  const canvas = $("map");
  const ctx = canvas.getContext("2d");
  if (maps.kind === "grid") {
    const task = state.task;
    let colourOf;
    if (task === "multiclass") {
      colourOf = (k, r, c) => {
        const conf = maps.confidence ? maps.confidence[r][c] : 1;
        return CLASS_COLOURS[k % CLASS_COLOURS.length].map((x) => Math.round(245 + (x - 245) * (0.25 + 0.6 * conf)));
      };
    } else if (task === "regression") {
      const s = regressionScale();
      colourOf = (v) => diverging(v / s);
    } else {
      colourOf = (p) => binaryColour(p);
    }
    paintGrid(canvas, maps.output, colourOf);
    $("map-lo").textContent = String(maps.x1[0]);
    $("map-hi").textContent = String(maps.x1[1]);
    $("map-lo").parentElement.hidden = false;
  } else {
    $("map-lo").parentElement.hidden = true;
    ctx.fillStyle = "#f4f4f4";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#666";
    ctx.font = "13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText("no 2-D map for this data:", canvas.width / 2, canvas.height / 2 - 9);
    ctx.fillText("it has more than two features", canvas.width / 2, canvas.height / 2 + 9);
    ctx.textAlign = "left";
  }
  drawPoints(ctx, canvas, maps);
  drawNeuronMaps(maps);
  drawClassLegend();
}

function regressionScale() {
  let s = 1e-9;
  if (ui.points && ui.points.train) for (const p of ui.points.train) s = Math.max(s, Math.abs(p[2]));
  return s;
}

function drawPoints(ctx, canvas, maps) {
  const pts = ui.points;
  if (!pts || pts.kind !== "2d" || maps.kind !== "grid") return;
  const [a0, a1] = maps.x1, [b0, b1] = maps.x2;
  const X = (x) => ((x - a0) / (a1 - a0)) * canvas.width;
  const Y = (y) => ((b1 - y) / (b1 - b0)) * canvas.height;
  let lmax = 1e-12;
  if (ui.colourByLoss) for (const p of pts.train.concat(ui.showTest ? pts.test : [])) if (p[3] !== null) lmax = Math.max(lmax, p[3]);
  const regression = ui.state.task === "regression";
  const rscale = regression ? regressionScale() : 1;
  const draw = (p, test) => {
    const [x, y, cls, L] = p;
    let fill;
    if (ui.colourByLoss) fill = L === null ? [0, 0, 0] : lossColour(L / lmax);
    else if (regression) fill = diverging(cls / rscale);
    else if (ui.state.task === "binary") fill = cls ? POS : NEG;
    else fill = CLASS_COLOURS[cls % CLASS_COLOURS.length];
    ctx.beginPath();
    ctx.arc(X(x), Y(y), 3.6, 0, 2 * Math.PI);
    ctx.fillStyle = css(fill);
    ctx.fill();
    ctx.lineWidth = test ? 1.6 : 1;
    ctx.strokeStyle = test ? "#000" : "#fff";
    ctx.stroke();
  };
  for (const p of pts.train) draw(p, false);
  if (ui.showTest) for (const p of pts.test) draw(p, true);
}

function drawNeuronMaps(maps) {
  if (!ui.neuronCanvases) return;
  // each input feature over the plane (the server evaluates x₁², sin x₁, ...)
  for (const inp of maps.inputs || []) {
    const c = ui.inputCanvases && ui.inputCanvases[inp.name];
    if (!c) continue;
    if (c.width !== 24) { c.width = 24; c.height = 24; }
    let s = 1e-12;
    for (const row of inp.values) for (const v of row) if (v !== null) s = Math.max(s, Math.abs(v));
    paintGrid(c, inp.values, (v) => diverging(v / s));
  }
  const acts = ui.state.activations;
  const labels = outputLabels(ui.state);
  for (const nm of maps.neurons || []) {
    const canvases = ui.neuronCanvases[nm.l];
    if (!canvases || !canvases[nm.unit]) continue;
    const act = acts[nm.l - 1];
    let colourOf;
    // a softmax unit k: P(class k), white → class k's colour (its label beside it)
    if (act === "softmax" && labels && labels[nm.unit]) colourOf = (v) => towards(labels[nm.unit].colour, v);
    else if (act === "sigmoid" || act === "softmax") colourOf = (v) => diverging(2 * v - 1);
    else {
      let s = 1e-12;
      for (const row of nm.values) for (const v of row) if (v !== null) s = Math.max(s, Math.abs(v));
      colourOf = (v) => diverging(v / s);
    }
    paintGrid(canvases[nm.unit], nm.values, colourOf);
  }
}

function drawClassLegend() {
  const box = $("class-legend");
  const state = ui.state;
  let items = [];
  if (ui.colourByLoss) items = [["small L⁽ⁱ⁾", lossColour(0.05)], ["large L⁽ⁱ⁾", lossColour(0.9)]];
  else if (state.task === "binary") items = [["class 0", NEG], ["class 1", POS]];
  else if (state.task === "multiclass") items = Array.from({ length: state.classes }, (_, k) => [`class ${k}`, CLASS_COLOURS[k % CLASS_COLOURS.length]]);
  else items = [["low target", NEG], ["high target", POS]];
  const html = items.map(([t, c]) => `<span style="--c:${css(c)}">${t}</span>`).join("") +
    (ui.showTest ? '<span class="ring">test points: black ring</span>' : "");
  if (box.dataset.html !== html) { box.innerHTML = html; box.dataset.html = html; }
}

function drawImageView(maps) {
  const samples = $("samples");
  const classes = maps.classes || [];
  samples.replaceChildren(...(maps.samples || []).map((s) => {
    const div = document.createElement("div");
    let best = 0;
    s.probs.forEach((p, k) => { if (p !== null && p > s.probs[best]) best = k; });
    div.className = `sample ${best === s.label ? "right" : "wrong"}`;
    const c = document.createElement("canvas");
    paintImage(c, s.pixels, maps.shape);
    c.setAttribute("aria-label", `${s.part} example ${s.index}, label ${classes[s.label] ?? s.label}`);
    const cap = document.createElement("div");
    const name = (k) => classes[k] ?? String(k);
    // two unbreakable parts: a long caption wraps between them, never inside one
    cap.innerHTML = `<span>${esc(name(best))} ${fmt(s.probs[best], 2)}</span> · <span>true ${esc(name(s.label))}</span>`;
    div.append(c, cap);
    return div;
  }));
  const shape = maps.shape;
  // the input: the mean training image (the server's), beside "784 pixels"
  const input = ui.inputCanvases && ui.inputCanvases.pixels;
  if (input && maps.mean_image) {
    paintImage(input, maps.mean_image, shape);
    input.title = "the mean training image";
  }
  // the output units: each one's class and its mean output over the samples shown, as a
  // number beside it and a bar in it (first layer = output layer: its weights' pictures stay)
  const L = ui.state.layer_dims.length - 1;
  const outs = (L > 1 && ui.neuronCanvases && ui.neuronCanvases[L]) || [];
  for (const o of maps.outputs || []) {
    const lab = document.querySelector(`#nodes .olabel[data-unit="${o.unit}"]`);
    if (lab) {
      lab.querySelector(".oname").textContent = ui.state.layer_dims[L] === 1 ? `P(${o.label})` : o.label;
      lab.querySelector(".oval").textContent = fmt(o.mean, 2);
      lab.title = `mean output A[${L}] of unit ${o.unit} over the ${(maps.samples || []).length} samples shown`;
    }
    const c = outs[o.unit];
    if (c) {
      const ctx = c.getContext("2d");
      ctx.fillStyle = "#eee";
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.fillStyle = css(POS);
      const h = Math.round((o.mean ?? 0) * c.height);
      ctx.fillRect(0, c.height - h, c.width, h);
    }
  }
  // hidden layers 2..L-1 (no picture of their weights): each unit's mean A[l] over the
  // samples shown, as a flat colour on the layer's diverging scale (as a 2-D set's maps)
  (maps.layer_means || []).forEach((means, k) => {
    const l = k + 1;
    if (l === 1 || l === L) return;
    let s = 1e-12;
    for (const v of means) if (v !== null) s = Math.max(s, Math.abs(v));
    (ui.neuronCanvases[l] || []).forEach((c, u) => {
      const ctx = c.getContext("2d");
      ctx.fillStyle = css(diverging(means[u] === null ? null : means[u] / s));
      ctx.fillRect(0, 0, c.width, c.height);
      c.title = `unit ${u} of layer ${l}: mean A[${l}] = ${fmt(means[u], 3)} over the samples shown`;
    });
  });
  const wbox = $("weight-images");
  // the network's first hidden layer shows each unit's weights as its picture
  const firstLayer = (ui.neuronCanvases && ui.neuronCanvases[1]) || [];
  for (const u of maps.first_layer || []) if (firstLayer[u.unit]) paintImage(firstLayer[u.unit], u.pixels, shape);
  wbox.replaceChildren(...(maps.first_layer || []).map((u) => {
    const c = document.createElement("canvas");
    paintImage(c, u.pixels, shape);
    c.title = `W[1] row ${u.unit} as an image (grey = 0)`;
    c.setAttribute("aria-label", `First-layer weights of neuron ${u.unit}`);
    return c;
  }));
}

function drawCost() {
  const s = ui.state;
  $("epoch").textContent = s.epochs_done !== undefined ? `${s.epochs_done}` : fmt(s.epoch, 1);
  $("epoch").title = `epoch ${fmt(s.epoch, 3)} (fractional: iterations × batch / n_train)`;
  $("iteration").textContent = String(s.iteration);
  $("train-loss").textContent = fmt(s.train ? s.train.loss : null);
  $("test-loss").textContent = fmt(s.test ? s.test.loss : null);
  const acc = s.train && s.train.accuracy !== null && s.train.accuracy !== undefined
    ? `${fmt(s.train.accuracy, 3)} / ${fmt(s.test.accuracy, 3)}` : "–";
  $("accuracy").textContent = acc;
  const play = $("btn-play");
  const icon = s.running ? PAUSE_ICON : PLAY_ICON;
  if (play.dataset.icon !== String(s.running)) { play.innerHTML = icon; play.dataset.icon = String(s.running); }
  play.setAttribute("aria-label", s.running ? "Pause" : "Play");
  play.setAttribute("aria-pressed", String(s.running));
  const banner = $("nan-banner");
  if (s.nan) {
    banner.textContent = `NaN guard, layer ${s.nan.layer}: ${s.nan.message}`;
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
  for (const n of document.querySelectorAll(".node[data-layer]")) {
    n.classList.toggle("nan-on", !!s.nan && Number(n.dataset.layer) === s.nan.layer);
  }
  // after the NaN guard the server takes no step until a reset
  for (const id of ["btn-play", "btn-step-batch", "btn-step-epoch", "btn-step-micro", "btn-gradcheck"]) {
    $(id).disabled = !!s.nan;
  }
  const b = s.cost;
  $("batch-j").textContent = b && b.J !== undefined ? fmt(b.J) : "–";
}

// J = (1/m) Σ L⁽ⁱ⁾ (+ L2) next to the per-example losses, from /api/points (the server
// computed L⁽ⁱ⁾ with network.losses and J from them).
function drawJ() {
  const pts = ui.points;
  const s = ui.state;
  if (!pts || !s) return;
  const m = s.n_train;
  const l2 = s.config.l2;
  const jEl = $("j-value");
  jEl.textContent = fmt(pts.J, 6);
  jEl.dataset.value = String(pts.J);
  $("j-parts").textContent = l2 > 0
    ? `(1/${m}) Σ L⁽ⁱ⁾ = ${fmt(pts.J_data, 6)}  +  (λ/2m) Σ‖W‖² = ${fmt(pts.l2, 6)}`
    : `(1/${m}) Σ L⁽ⁱ⁾ over the ${m} training examples (λ = 0: no L2 term)`;
  // the per-example losses, sorted, as bars: J is their mean (the dashed line)
  const canvas = $("lhist");
  const ratio = window.devicePixelRatio || 1;
  canvas.width = canvas.clientWidth * ratio;
  canvas.height = canvas.clientHeight * ratio;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const w = canvas.clientWidth, h = canvas.clientHeight;
  ctx.clearRect(0, 0, w, h);
  const rows = pts.train || [];
  const Ls = rows.map((r) => r[r.length - 1]).filter((v) => v !== null).sort((a, b) => b - a);
  if (!Ls.length) return;
  const top = Math.max(Ls[0], pts.J_data || 0, 1e-12);
  const bw = w / Ls.length;
  Ls.forEach((v, k) => {
    ctx.fillStyle = css(lossColour(v / top));
    const bh = (v / top) * (h - 12);
    ctx.fillRect(k * bw, h - bh, Math.max(bw, 1), bh);
  });
  const jy = h - ((pts.J_data || 0) / top) * (h - 12);
  ctx.strokeStyle = "#000";
  ctx.setLineDash([4, 3]);
  ctx.beginPath(); ctx.moveTo(0, jy); ctx.lineTo(w, jy); ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "#000";
  ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.fillText(`mean = (1/m) Σ L = ${fmt(pts.J_data, 4)}`, w - 2, Math.max(10, jy - 3));
  ctx.textAlign = "left";
  ctx.fillText(`L⁽ⁱ⁾ sorted, max ${fmt(Ls[0], 3)}`, 2, 10);
}

function drawCharts() {
  const h = ui.history;
  if (!h) return;
  const xs = h.iteration;
  lineChart($("curves"), [
    { xs, ys: h.train_loss, colour: "#222", label: "train" },
    { xs, ys: h.test_loss, colour: "#999", label: "test" },
  ], { xlabel: "iteration" });
  const kind = { dZ: "norm_dZ", dW: "norm_dW", ratio: "ratio" }[ui.gradKind];
  const per = h[kind] || [];
  const L = ui.state.layer_dims.length - 1;
  const series = [];
  for (let l = 0; l < L; l++) {
    series.push({ xs, ys: per.map((row) => (row ? row[l] : null)), colour: LAYER_COLOURS[l % LAYER_COLOURS.length], width: 1.6 });
  }
  const label = { dZ: "‖dZ[l]‖ (Frobenius)", dW: "‖dW[l]‖ (Frobenius)", ratio: "‖ΔW[l]‖ / ‖W[l]‖" }[ui.gradKind];
  lineChart($("gradchart"), series, { log: true, xlabel: "iteration", ylabel: `${label}, log` });
  const legend = Array.from({ length: L }, (_, l) => `<span style="--c:${LAYER_COLOURS[l % LAYER_COLOURS.length]}">layer ${l + 1}</span>`).join("");
  const box = $("grad-legend");
  if (box.dataset.html !== legend) { box.innerHTML = legend; box.dataset.html = legend; }
}

// ---------------------------------------------------------------- micro-steps
const MAX_COLS = 10; // columns (examples) shown of each revealed array

// A number in at most ~7 characters: 3 significant digits, or 2 with an exponent.
const short = (v) => {
  if (v === null || !Number.isFinite(v)) return "NaN";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(1) : v.toPrecision(3);
};

// One array as a small table, each cell coloured by its value (orange < 0 < blue).
function matrixHtml(name, note, M) {
  if (M === null || M === undefined) return `<div class="mat"><div class="name">${name}</div>(too large to show)</div>`;
  const rows = Array.isArray(M[0]) ? M : M.map((v) => [v]);
  let s = 1e-300;
  for (const r of rows) for (const v of r) if (v !== null) s = Math.max(s, Math.abs(v));
  const cols = Math.min(rows[0].length, MAX_COLS);
  const more = rows[0].length > cols ? `<td>… ${rows[0].length - cols} more</td>` : "";
  const body = rows.slice(0, 8).map((r) => `<tr>${r.slice(0, cols).map((v) =>
    `<td style="background:${css(diverging(v === null ? 0 : v / s), 0.75)}">${short(v)}</td>`).join("")}${more}</tr>`).join("");
  const shape = `(${rows.length}, ${rows[0].length})`;
  return `<div class="mat"><div class="name">${name} <span>${shape} ${note}</span></div><table>${body}</table></div>`;
}

function drawMicro() {
  const panel = $("panel-micro");
  const mi = ui.micro;
  if (!mi || !mi.phase || mi.phase.name === "idle") { panel.hidden = true; return; }
  panel.hidden = false;
  const ph = mi.phase;
  const l = ph.layer;
  const layer = l ? mi.layers[l - 1] : null;
  const per = mi.convention === "cost" ? "∂J/∂·: carries the 1/m" : "∂L/∂·, per example: no 1/m";
  let html = "";
  let title = `Micro-step ${ph.index} of ${ph.count}: `;
  if (ph.name === "forward" && layer) {
    title += `forward, layer ${l}`;
    html = matrixHtml(`Z[${l}] = W[${l}] A[${l - 1}] + b[${l}]`, "", layer.Z) +
      matrixHtml(`A[${l}] = g(Z[${l}])`, "", layer.A);
  } else if (ph.name === "loss") {
    title += "the loss of each example, then the cost";
    const c = mi.cost || {};
    html = matrixHtml("L⁽ⁱ⁾", "one per example", mi.L) +
      `<div class="note">J = (1/m) Σ L⁽ⁱ⁾ + (λ/2m) Σ‖W‖² = ${fmt(c.data, 6)} + ${fmt(c.l2, 6)} = <b>${fmt(c.J, 6)}</b> with m = ${mi.m}</div>`;
  } else if (ph.name === "backward" && layer) {
    title += `backward, layer ${l}`;
    html = matrixHtml(`dZ[${l}]`, per, layer.dZ) +
      matrixHtml(`dW[${l}] = ∂J/∂W[${l}]`, "", layer.dW) + matrixHtml(`db[${l}]`, "", layer.db);
  } else if (ph.name === "update") {
    title += "the update";
    html = `<div class="note">The optimizer (${esc(ui.state.config.optimizer)}, α = ${ui.state.config.lr}) applied dW, db of every layer: ` +
      "the weights in the network changed now, and only now. The next micro-step starts the next mini-batch.</div>";
  }
  $("micro-title").textContent = title;
  $("micro").innerHTML = html + (ph.name === "forward" || ph.name === "backward"
    ? `<div class="note">The core's arrays for this mini-batch of m = ${mi.m} (columns are examples${mi.m > MAX_COLS ? `, the first ${MAX_COLS} shown` : ""}).</div>` : "");
}

const esc = (t) => String(t ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// ---------------------------------------------------------------- explain and formula
function drawExplain() {
  const ex = ui.explain;
  const box = $("explain");
  if (!ex) return;
  const out = [];
  // explain's Markdown marks inline math with $...$: shown here as plain text
  const esc = (t) => String(t).replace(/\$([^$]+)\$/g, "$1")
    .replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  if (ex.title) out.push(`<div class="text"><b>${(Array.isArray(ex.title) ? ex.title : [ex.title]).map(esc).join("<br>")}</b></div>`);
  for (const section of ex.sections || []) {
    out.push(`<div class="section">${esc(section.title)}</div>`);
    const sphase = /^forward/i.test(section.title) ? "forward" : /^backward/i.test(section.title) ? "backward" : /^loss/i.test(section.title) ? "loss" : "";
    let group = null;
    let layer = "";  // rows after a layer's heading belong to that layer
    for (const b of section.blocks || []) {
      if (b.type === "row") {
        if (b.group && b.group !== group) {
          group = b.group;
          out.push(`<div class="text"><i>${esc(group)}</i></div>`);
        }
        const g = /layer (\d+)/.exec(b.group || "");
        if (g) layer = g[1];
        const shapes = (b.shapes || []).map(([n, s]) => `${n}: ${s}`).join("  ");
        out.push(
          `<div class="row${b.one_over_m ? " one-over-m" : ""}" data-phase="${sphase}" data-layer="${layer}">` +
          `<span class="f">${esc(b.formula)}</span><span class="shape">${esc(shapes)}</span>` +
          `<span class="note">${esc(b.note || "")}</span></div>`,
        );
      } else if (b.type === "rule") {
        out.push(`<div class="marker">${esc(b.text)}</div>`);
      } else {
        out.push(`<div class="text">${b.type === "item" ? "• " : ""}${esc(b.text)}</div>`);
      }
    }
  }
  box.innerHTML = out.join("");
}

let formulaSeq = 0;
async function showFormula(target, refresh = false) {
  ui.hovered = target;
  const seq = ++formulaSeq;
  const q = `layer=${target.layer}&row=${target.row}${target.col === null ? "" : `&col=${target.col}`}`;
  const box = $("formula");
  // no backward pass yet (or the NaN guard tripped): nothing to ask the server for
  const layers = ui.state ? ui.state.layers : [];
  if (ui.state && ui.state.nan) { box.textContent = "The NaN guard paused training: reset first."; return; }
  if (!layers.some((l) => l.dW || l.db)) { box.textContent = "No gradient yet: take a step first."; return; }
  try {
    const f = await get(`/api/formula?${q}`);
    if (seq !== formulaSeq) return;
    ui.formulaVersion = ui.state ? ui.state.version : -1;
    renderFormula(f);
  } catch (err) {
    if (seq !== formulaSeq) return;
    ui.formulaVersion = ui.state ? ui.state.version : -1;
    box.textContent = err.status === 409 ? `${err.message}` : `formula: ${err.message}`;
  }
  if (!refresh) box.closest(".panel").dataset.target = q;
}

function renderFormula(f) {
  const box = $("formula");
  const esc = (t) => String(t ?? "").replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
  const conv = ui.convention;
  const line = (name, c) =>
    `<tr${name === conv ? ' style="background:#fce4ec"' : ""}><th>${name}${name === conv ? " (shown)" : ""}</th>` +
    `<td>${esc(c.formula)}<br><span class="eq">= ${esc(c.numbers)}</span><br>= <b class="dw-${name}" data-value="${c.value}">${fmt(c.value, 6)}</b></td></tr>`;
  const u = f.update || {};
  box.innerHTML =
    `<div><b>${esc(f.param)}</b> = ${fmt(f.value, 6)}   (layer ${f.layer}, m = ${f.m} in this mini-batch)</div>` +
    `<table>${line("course", f.course)}${line("cost", f.cost)}</table>` +
    `<div class="${f.equal ? "same" : ""}">${f.equal ? "✓ the same gradient under both conventions: the 1/m moved, the update did not change" : "✗ the two conventions differ"}</div>` +
    (f.core !== undefined ? `<div>chainrule's own ${esc(f.param.replace(/^[Wb]/, (x) => `d${x}`))} (backprop.backward) = ${fmt(f.core, 6)}</div>` : "") +
    `<div>update (${esc(u.optimizer)}, α = ${esc(u.lr)}): ${esc(u.formula)}; ` +
    (u.applied === false ? "not applied yet (the update phase comes last)</div>"
      : `the change it made: ${fmt(u.delta, 4)}</div>`);
}

// ---------------------------------------------------------------- actions
async function onUpload(e) {
  const file = e.target.files && e.target.files[0];
  if (!file) return;
  const status = $("upload-status");
  status.textContent = `reading ${file.name}…`;
  if (file.size > ui.meta.limits.max_upload_bytes) {
    status.textContent = `${file.name} is ${file.size} bytes; the limit is ${ui.meta.limits.max_upload_bytes}`;
    return;
  }
  const text = await file.text();
  await act(async () => {
    try {
      const r = await postText("/api/upload", text, "text/csv");
      status.textContent = `${file.name}: ${r.n_rows} rows, ${r.n_features} features, ${r.task}`;
      return r.state;
    } catch (err) {
      status.textContent = `${file.name}: ${err.message}`;
      throw err;
    }
  });
  e.target.value = "";
}

async function runGradcheck() {
  const out = $("gradcheck-result");
  out.textContent = "checking…";
  out.className = "";
  try {
    const g = await get("/api/gradcheck");
    out.textContent = `${g.status}: difference ${fmt(g.difference, 2)} (${g.n_checked} entries)`;
    out.title = g.verdict || "";
    out.className = { pass: "ok", inspect: "warn", fail: "bad" }[g.status] || "";
  } catch (err) {
    out.textContent = err.message;
    out.className = "bad";
  }
}

async function copyText(text, note) {
  $("share-text").textContent = note ? `${note}\n\n${text}` : text;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard permission (e.g. a headless browser): the text is shown to copy by hand
  }
}

async function copyCommand(which) {
  try {
    const c = await get("/api/command");
    const notes = (c.notes || []).map((n) => `# ${n}`).join("\n");
    const text = which === "command"
      ? `# first: the data file, from the "data (CSV)" export\n${c.command}`
      : c.python;
    copyText(text, notes ? `Copied. ${notes}` : "Copied.");
  } catch (err) {
    showError(err);
  }
}

// ---------------------------------------------------------------- the frame loop
function frame() {
  if (ui.state) {
    try {
      const key = JSON.stringify([ui.state.layer_dims, ui.state.config.features, ui.state.config.dataset,
        $("network").clientWidth, $("network").clientHeight]);
      if (key !== ui.networkKey) { ui.networkKey = key; buildNetwork(); ui.dirty.maps = true; }
      if (ui.dirty.state || ui.dirty.network) {
        drawCost();
        drawLinks();
        drawPhase();
        drawCharts();
        ui.dirty.state = false;
        ui.dirty.network = false;
      }
      if (ui.dirty.maps || ui.dirty.points) {
        drawMaps();
        drawJ();
        ui.dirty.maps = false;
        ui.dirty.points = false;
      }
      if (ui.dirty.explain) { drawExplain(); drawPhase(); ui.dirty.explain = false; }
      if (ui.dirty.micro) { drawMicro(); ui.dirty.micro = false; }
    } catch (err) {
      showError(err);
    }
  }
  requestAnimationFrame(frame);
}

async function start() {
  try {
    ui.meta = await get("/api/config");
    const { config, hide } = hashToConfig();
    buildControls();
    applyHide(hide);
    let state = null;
    if (Object.keys(config).length) {
      try {
        state = await post("/api/reset", { config, reinit: false });
      } catch (err) {
        showError(new Error(`the link's settings were refused (${err.message}); showing the current state`));
      }
    }
    if (!state) state = await get("/api/state");
    acceptState(state, true);
    await loadMapsAndPoints(state.version);
    await loadExplain();
    document.body.dataset.ready = "1";
  } catch (err) {
    showError(err);
  }
  requestAnimationFrame(frame);
  setTimeout(poll, POLL_MS);
  // a link pasted into this tab (the page's own URL updates use replaceState: no event)
  window.addEventListener("hashchange", () => {
    const { config, hide } = hashToConfig();
    applyHide(hide);
    if (Object.keys(config).length) change(config);
  });
}

start();
