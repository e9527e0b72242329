// Drawing only: colour scales and canvas painters. Every number drawn here comes from the
// server (chainrule's core); these functions map numbers to pixels and nothing else.

export const NEG = [232, 117, 26];    // orange: negative, class 0
export const POS = [31, 111, 181];    // blue: positive, class 1
const WHITE = [245, 245, 245];
export const CLASS_COLOURS = [
  [232, 117, 26], [31, 111, 181], [46, 157, 74], [142, 68, 173], [192, 57, 43],
  [0, 150, 160], [214, 170, 0], [120, 85, 60], [230, 90, 160], [90, 90, 90],
];
export const LAYER_COLOURS = [
  "#1f6fb5", "#e8751a", "#2e9d4a", "#c0392b", "#8e44ad", "#00968f", "#b58900", "#6d4c41", "#e91e63",
];

const mix = (a, b, t) => [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));
export const css = (c, alpha = 1) => `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;

// A diverging scale: v = -1 → orange, 0 → white, +1 → blue (clipped).
export function diverging(v) {
  if (v === null || !Number.isFinite(v)) return [0, 0, 0];
  const t = Math.max(-1, Math.min(1, v));
  return t < 0 ? mix(WHITE, NEG, -t) : mix(WHITE, POS, t);
}

// A sequential scale from white (t = 0) to a class's colour (t = 1): a probability of that class.
export function towards(colour, t) {
  if (t === null || !Number.isFinite(t)) return [0, 0, 0];
  return mix(WHITE, colour, Math.max(0, Math.min(1, t)));
}

// A sequential scale for per-example losses: small → pale yellow, large → dark red.
export function lossColour(t) {
  const c = Math.max(0, Math.min(1, t));
  const stops = [[255, 245, 200], [250, 160, 60], [200, 30, 40], [90, 0, 30]];
  const x = c * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  return mix(stops[i], stops[i + 1], x - i);
}

// Paint a grid (rows top → bottom, columns left → right) scaled onto a canvas, each cell's
// colour given by colourOf(value, row, col).
const scratch = document.createElement("canvas");
export function paintGrid(canvas, grid, colourOf) {
  const rows = grid.length;
  const cols = rows ? grid[0].length : 0;
  const ctx = canvas.getContext("2d");
  if (!rows || !cols) {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  scratch.width = cols;
  scratch.height = rows;
  const sctx = scratch.getContext("2d");
  const img = sctx.createImageData(cols, rows);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    const row = grid[r];
    for (let c = 0; c < cols; c++) {
      const col = colourOf(row[c], r, c);
      img.data[p++] = col[0];
      img.data[p++] = col[1];
      img.data[p++] = col[2];
      img.data[p++] = 255;
    }
  }
  sctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

// Paint an image given as 0..255 ints, row-major HWC (channels 1 or 3).
export function paintImage(canvas, pixels, shape) {
  const [h, w, ch] = shape.length === 3 ? shape : [shape[0], shape[1], 1];
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  for (let i = 0, p = 0; i < w * h; i++) {
    const base = i * ch;
    const r = pixels[base];
    img.data[p++] = r;
    img.data[p++] = ch === 3 ? pixels[base + 1] : r;
    img.data[p++] = ch === 3 ? pixels[base + 2] : r;
    img.data[p++] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Size a canvas's backing store to its CSS box (sharp lines on any screen).
export function fit(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, w: canvas.clientWidth, h: canvas.clientHeight };
}

const fmtTick = (v) => {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
};

// Line chart: series = [{xs, ys, colour, label, dash}], log: a log10 y axis (non-positive
// and null values are skipped). Draws axes with a few ticks.
export function lineChart(canvas, series, { log = false, xlabel = "", ylabel = "" } = {}) {
  const { ctx, w, h } = fit(canvas);
  ctx.clearRect(0, 0, w, h);
  const left = 46, right = 8, top = 8, bottom = xlabel ? 26 : 16;
  const tr = (v) => (log ? Math.log10(v) : v);
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.ys.length; i++) {
      const y = s.ys[i];
      if (y === null || !Number.isFinite(y) || (log && y <= 0)) continue;
      const x = s.xs[i];
      xmin = Math.min(xmin, x); xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, tr(y)); ymax = Math.max(ymax, tr(y));
    }
  }
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#666";
  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, top); ctx.lineTo(left, h - bottom); ctx.lineTo(w - right, h - bottom);
  ctx.stroke();
  if (!Number.isFinite(xmin)) {
    ctx.fillText("no data yet: take a step", left + 8, top + 14);
    return;
  }
  if (!log) ymin = Math.min(0, ymin);
  if (log) { ymin = Math.floor(ymin); ymax = Math.ceil(ymax); }
  if (ymax - ymin < 1e-12) { ymax = ymin + (log ? 1 : Math.abs(ymin) || 1); }
  if (xmax === xmin) xmax = xmin + 1;
  const X = (x) => left + ((x - xmin) / (xmax - xmin)) * (w - left - right);
  const Y = (y) => h - bottom - ((y - ymin) / (ymax - ymin)) * (h - top - bottom);
  // y ticks
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  const ticks = [];
  if (log) {
    const step = Math.max(1, Math.ceil((ymax - ymin) / 6));
    for (let e = ymin; e <= ymax; e += step) ticks.push(e);
  } else {
    for (let k = 0; k <= 4; k++) ticks.push(ymin + ((ymax - ymin) * k) / 4);
  }
  ctx.strokeStyle = "#eee";
  for (const t of ticks) {
    const y = Y(t);
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - right, y); ctx.stroke();
    ctx.fillText(log ? `1e${t}` : fmtTick(t), left - 4, y);
  }
  ctx.textAlign = "left";
  ctx.textBaseline = "alphabetic";
  ctx.fillText(fmtTick(xmin), left, h - bottom + 11);
  ctx.textAlign = "right";
  ctx.fillText(fmtTick(xmax), w - right, h - bottom + 11);
  if (xlabel) { ctx.textAlign = "center"; ctx.fillText(xlabel, (left + w) / 2, h - 3); }
  if (ylabel) {
    ctx.save(); ctx.translate(10, (top + h - bottom) / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(ylabel, 0, 0); ctx.restore();
  }
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = s.width || 1.5;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.ys.length; i++) {
      const y = s.ys[i];
      if (y === null || !Number.isFinite(y) || (log && y <= 0)) { pen = false; continue; }
      const px = X(s.xs[i]), py = Y(tr(y));
      if (pen) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}
