// lossviz's one chart component: every chart of the app is drawn here.
//
// The server sends a plotly figure (JSON text made by plotly.py) and, optionally, the
// figure's precomputed states (lossviz.figures.states.States, as JSON). This script
//   - draws the figure with Plotly.react, so a changed figure is updated in place rather
//     than thrown away and drawn anew (and an unchanged one, same "rev", is left alone);
//   - steps through the states in the browser: a play button and a step slider for a
//     sequence (a gradient-descent run), or a handle on a marker that the student drags
//     (the outlier, Huber's delta); every chart on the page that has states for the same
//     parameter follows the drag, and releasing the handle commits the value to the server
//     (setTriggerValue("commit", value): one rerun);
//   - dims every trace but the ones a lesson step names, and scrolls to the chart once.
//
// Public plotly.js API only (react, animate, Plots.resize, the plotly_afterplot event). The plot area
// is read from plotly's drag rectangle in the DOM (class "nsewdrag"), which plotly draws
// over exactly the axes' area; the axis ranges are the ones the server fixed in the layout.
// No user text reaches this script as markup: labels are set with textContent.

const PLOTLY = "vendor/plotly-cartesian.min.js";
const BUS = window.__lossvizBus || (window.__lossvizBus = new EventTarget());
let loading = null;

function loadPlotly(base) {
  if (window.Plotly && window.Plotly.react) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = new URL(PLOTLY, base).href;
      tag.onload = () => resolve(window.Plotly);
      tag.onerror = () => reject(new Error("plotly.js did not load"));
      document.head.appendChild(tag);
    });
  }
  return loading;
}

function el(tag, cls, parent) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (parent) parent.appendChild(node);
  return node;
}

function setPath(obj, path, value) {
  // "shapes[0].x0" -> obj.shapes[0].x0 = value (containers created as needed).
  const parts = path.split(".");
  let node = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const m = parts[i].match(/^(\w+)(?:\[(\d+)\])?$/);
    if (!m) return;
    if (m[2] === undefined) {
      node = node[m[1]] || (node[m[1]] = {});
    } else {
      const list = node[m[1]] || (node[m[1]] = []);
      const j = Number(m[2]);
      node = list[j] || (list[j] = {});
    }
  }
  node[parts[parts.length - 1]] = value;
}

// Numeric arrays come as {dtype, bdata (base64), shape} (a figure's as plotly.py writes
// them, the states' rows as float32): decoded once here, so that the script can read them
// (the dragged marker's position) and plotly need not decode them on every state shown.
const TYPES = {f8: Float64Array, f4: Float32Array, i4: Int32Array, i2: Int16Array,
               i1: Int8Array, u4: Uint32Array, u2: Uint16Array, u1: Uint8Array};

// A flat array as nested rows of ``shape`` (row-major, as numpy writes it).
function nest(flat, shape) {
  if (shape.length < 2) return flat;
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = [];
  for (let i = 0; i < shape[0]; i++) {
    rows.push(nest(flat.slice(i * size, (i + 1) * size), shape.slice(1)));
  }
  return rows;
}

function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (!value || typeof value !== "object") return value;
  if (typeof value.bdata === "string" && TYPES[value.dtype]) {
    const bytes = Uint8Array.from(atob(value.bdata), (c) => c.charCodeAt(0));
    const flat = Array.from(new TYPES[value.dtype](bytes.buffer));
    const shape = String(value.shape || "").split(",").map(Number).filter((n) => n > 0);
    return shape.length > 1 ? nest(flat, shape) : flat;
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = decode(v);
  return out;
}

// Streamlit's dark theme: the figures (drawn for white paper) take the page's background
// and text colour, and fainter grid lines. Read from the page's own computed style.
function darkTheme() {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app) return null;
  const style = getComputedStyle(app);
  const rgb = (style.backgroundColor.match(/\d+(\.\d+)?/g) || []).map(Number);
  if (rgb.length < 3 || 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] > 128) return null;
  return {text: style.color};
}

function forTheme(layout, dark) {
  if (!dark) return layout;
  layout.paper_bgcolor = "rgba(0,0,0,0)";
  layout.plot_bgcolor = "rgba(0,0,0,0)";
  layout.font = Object.assign({}, layout.font, {color: dark.text});
  for (const [key, axis] of Object.entries(layout)) {
    if (/^[xy]axis\d*$/.test(key) && axis) {
      Object.assign(axis, {gridcolor: "rgba(255,255,255,0.12)", linecolor: "rgba(255,255,255,0.25)",
                           zerolinecolor: "rgba(255,255,255,0.35)"});
    }
  }
  return layout;
}

// Another state of the same figure is shown the way a plotly frame is (Plotly.animate
// without a redraw, as lossviz's notebook figures step their frames) when it moves points
// or bars alone, in a figure of scatter and bar traces (the two that plotly animates) on
// axes whose ranges it fixes: those traces move and nothing else is drawn again (17-27 ms
// against 23-95 ms for Plotly.react's full redraw in Chromium on a 2-core machine).
// Anything else is redrawn with Plotly.react: a state that changes the layout or a name,
// and a figure with another kind of trace (an animation without a redraw takes a contour's
// or a heatmap's layer off the plot; a layout image stays, which is why the descent path
// draws its landscape as one).
const MOVES = new Set(["x", "y", "customdata", "text"]);
const ANIMATED = new Set(["scatter", "bar"]);

// A figure whose traces can move: scatter and bar traces alone, on axes whose ranges it fixes.
function canMove(base) {
  if (base.data.some((t) => !ANIMATED.has(t.type || "scatter"))) return false;
  return Object.entries(base.layout).every(([key, axis]) => !/^[xy]axis\d*$/.test(key) ||
    (axis && Array.isArray(axis.range) && axis.autorange !== true));
}

// Whether every change a state of the figure makes is such a move.
function statesOnlyMove(base, states) {
  if (!states || Object.keys(states.layout || {}).length || !canMove(base)) return false;
  return Object.values(states.traces || {}).every(
    (attrs) => Object.keys(attrs).every((name) => MOVES.has(name)));
}

// A rerun's new figure is shown as a move too when it is the drawn one with other points:
// the same layout, the same traces with the same names, colours and styles (a trace's text
// on hover may change: plotly reads it when the pointer comes, not when it draws). Huber's
// delta changes its lines and pull bars so, and nothing else on those charts.
const SWAPS = new Set([...MOVES, "hovertemplate"]);

function swapOnlyMoves(before, after) {
  if (!before || before.data.length !== after.data.length) return false;
  if (JSON.stringify(before.layout) !== JSON.stringify(after.layout)) return false;
  const rest = (t) => JSON.stringify(Object.keys(t).sort().filter((k) => !SWAPS.has(k))
    .map((k) => [k, t[k]]));
  return after.data.every((t, i) => rest(t) === rest(before.data[i]));
}

function format(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return String(value);
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) :
    String(Number(v.toPrecision(3)));
}

class Chart {
  constructor(root, setTriggerValue) {
    this.root = root;
    this.commit = setTriggerValue;
    this.gd = el("div", "lv-plot", root);
    this.bar = el("div", "lv-bar", root);
    this.caption = el("div", "lv-caption", root);
    this.k = 0;
    this.onBus = (e) => this.follow(e.detail);
    BUS.addEventListener("scrub", this.onBus);
    this.resize = new ResizeObserver(() => {
      // Only a chart on screen: a chart being taken down or hidden has nothing to resize.
      if (!this.drawn || !window.Plotly || !this.gd.isConnected || !this.gd.offsetParent) return;
      Promise.resolve(window.Plotly.Plots.resize(this.gd)).catch(() => {});
    });
    this.resize.observe(root);
  }

  destroy() {
    this.dead = true;
    BUS.removeEventListener("scrub", this.onBus);
    this.resize.disconnect();
    this.stop();
    // Streamlit can mount a chart again on the same element: take this chart's nodes away,
    // or the next chart would sit under its blank plot, caption and (live) drag handle. The
    // plot is purged once a repaint in flight has finished: plotly fails on a figure purged
    // under it.
    for (const node of [this.gd, this.bar, this.caption, this.handle]) if (node) node.remove();
    const gd = this.gd;
    const Plotly = window.Plotly;
    if (Plotly && this.drawn) {
      Promise.resolve(this.painting).catch(() => {}).then(() => Plotly.purge(gd));
    }
  }

  update(data, Plotly) {
    if (this.dead) return;
    this.Plotly = Plotly;
    this.root.setAttribute("aria-label", data.label || "chart");
    this.root.dataset.key = data.key || "";
    if (data.rev !== this.rev) {
      this.rev = data.rev;
      const fig = decode(JSON.parse(data.figure));
      const before = this.drawn ? this.base : null;
      this.base = {data: fig.data || [], layout: fig.layout || {}};
      this.states = data.states ? decode(JSON.parse(data.states)) : null;
      this.moves = statesOnlyMove(this.base, this.states);
      // Its states, if any, must move too; so must the figure itself (canMove).
      const swap = (this.states ? this.moves : canMove(this.base)) &&
        swapOnlyMoves(before, this.base);
      // A move redraws the first moved trace and every trace after it (see move).
      const moved = Object.keys((this.states || {}).traces || {}).map(Number);
      this.from = moved.length ? Math.min(...moved) : 0;
      this.param = data.param || "";
      this.drag = data.drag || null;
      this.k = data.index || 0;
      this.shownIndex = this.k;
      this.config = {displayModeBar: false, responsive: true, scrollZoom: false,
                     doubleClick: false, showTips: false};
      this.buildBar();
      // A move of every trace: which of them changed is not worth finding out.
      if (swap) this.swapping = true;
      this.paint(!swap);
    } else if (this.states && data.index !== this.shownIndex) {
      // The same chart, another state (a committed drag, a slider on the page).
      this.shownIndex = data.index;
      this.stop();
      this.k = -1;
      this.show(data.index);
    }
    this.highlight(data.highlight || []);
    if (data.focus && data.focus !== this.focused) {
      this.focused = data.focus;
      // Wider screens scroll the chart the step talks about into view; a phone, where the
      // step comes right above that chart, scrolls to the step.
      this.followLayout(window.innerWidth >= 640 ? () => this.bringIntoView() :
        () => this.bringStepIntoView());
    }
  }

  // Bring the chart into view now (``bring``), and again each time the page's layout changes
  // while the rest of the run lands (what is drawn above the chart after it pushes it down),
  // for a moment or until the student scrolls. A chart already in place is not scrolled again.
  followLayout(bring) {
    const page = document.querySelector("[data-testid='stMainBlockContainer']");
    requestAnimationFrame(bring);
    if (!page || !window.ResizeObserver) return;
    const watcher = new ResizeObserver(() => requestAnimationFrame(bring));
    const stop = () => {
      watcher.disconnect();
      for (const type of ["wheel", "touchstart", "keydown"]) removeEventListener(type, stop, true);
    };
    for (const type of ["wheel", "touchstart", "keydown"]) addEventListener(type, stop, true);
    watcher.observe(page);
    setTimeout(stop, 1500);
  }

  // A phone: the step's panel sits right above the chart it talks about (its question right
  // under it). When that panel is down the page (a closer look), or the chart does not end
  // on the screen, the panel is brought to the top of the screen, under the header.
  bringStepIntoView() {
    const banner = document.querySelector(".st-key-lesson_banner");
    if (!banner) return;
    const low = banner.getBoundingClientRect().top >= window.innerHeight / 2;
    if (!low && this.root.getBoundingClientRect().bottom <= window.innerHeight) return;
    banner.style.scrollMarginTop = "4rem";
    banner.scrollIntoView({block: "start"});
  }

  // Scroll so that the chart sits just below the lesson step's panel when that panel stays
  // on screen above it (sticky, wide screens), else as little as puts the chart in view;
  // a panel beside the chart is then brought to where it sticks, whole on screen, and the
  // chart's foot too if what comes before it in its column pushed it below the window.
  bringIntoView() {
    const banner = document.querySelector(".st-key-lesson_banner");
    const panel = banner && (banner.closest("[data-testid='stLayoutWrapper']") || banner);
    const sticky = panel && getComputedStyle(panel).position === "sticky" &&
      !panel.contains(this.root);
    if (!sticky || panel.getBoundingClientRect().width <= window.innerWidth / 2) {
      this.root.scrollIntoView({block: "nearest"});
      const row = sticky && panel.closest("[data-testid='stHorizontalBlock']");
      const stick = sticky ? parseFloat(getComputedStyle(panel).top) || 0 : 0;
      if (row && row.contains(this.root)) {
        // One scroll, by at least what brings the row (and its panel) up to where the panel
        // sticks; further, as long as the chart's top stays under the header, to its foot.
        const chart = this.root.getBoundingClientRect();
        const by = Math.max(row.getBoundingClientRect().top - stick,
                            Math.min(chart.bottom - window.innerHeight, chart.top - stick));
        if (by > 1) {
          this.root.style.scrollMarginTop = `${chart.top - by}px`;
          this.root.scrollIntoView({block: "start"});
        }
      }
      return;
    }
    const below = panel.getBoundingClientRect().bottom + 8;
    const top = this.root.getBoundingClientRect().top;
    if (top >= below && top < window.innerHeight * 0.6) return;  // already in view
    this.root.style.scrollMarginTop = `${below}px`;
    this.root.scrollIntoView({block: "start"});
  }

  // The figure showing state k: base traces with state k's attributes, layout likewise.
  figureAt(k) {
    const layout = structuredClone(this.base.layout);
    for (const [path, rows] of Object.entries((this.states || {}).layout || {})) {
      setPath(layout, path, rows[k]);
    }
    return {data: this.tracesAt(k), layout: forTheme(layout, darkTheme())};
  }

  // The traces alone at state k (a move needs no layout, nor the theme read off the page).
  tracesAt(k) {
    const data = this.base.data.map((t) => Object.assign({}, t));
    for (const [trace, attrs] of Object.entries((this.states || {}).traces || {})) {
      const t = data[Number(trace)];
      if (!t) continue;
      for (const [name, rows] of Object.entries(attrs)) t[name] = rows[k];
    }
    if (this.dimmed && this.dimmed.size) {
      data.forEach((t) => {
        // names written on the chart (a trace of text alone) stay readable
        if (!this.dimmed.has(t.name) && t.mode !== "text") t.opacity = 0.25;
      });
    }
    return data;
  }

  // Draw the figure at state this.k: a full redraw, or a move of its points when only the
  // state changed (see MOVES). One paint at a time: a move lands on plotly's next frame,
  // so a paint started meanwhile would be overtaken by it. A request made while a paint is
  // in flight waits for it, and only the latest waits (a redraw wins over a move); the
  // promise this.painting settles when the chart shows what was asked last.
  render() {
    this.paint(true);
  }

  paint(redraw) {
    if (this.dead) return;
    this.wanted = this.wanted === "redraw" || redraw ? "redraw" : "move";
    if (this.busy) return;
    this.busy = true;
    this.painting = new Promise((settled) => {
      const next = () => {
        const op = this.wanted;
        this.wanted = null;
        if (!op || this.dead) {
          this.busy = false;
          settled();
          return;
        }
        const done = op === "redraw" ? this.redraw() : this.move(this.k);
        Promise.resolve(done).catch(() => {}).then(next);
      };
      next();
    });
  }

  redraw() {
    const started = performance.now();
    const fig = this.figureAt(this.k);
    // The plot keeps the figure's height when plotly resizes it to the page's width.
    this.gd.style.height = (fig.layout.height || 360) + "px";
    const done = this.Plotly.react(this.gd, fig.data, fig.layout, this.config);
    this.drawnRev = this.rev;
    this.swapping = false;
    this.lastPaint = "redraw";
    this.drawn = true;
    if (!this.hooked) {
      this.hooked = true;
      this.gd.on("plotly_afterplot", () => this.placeHandle());
      this.gd.on("plotly_animated", () => this.moved && this.moved());
    }
    return this.painted(done, started);
  }

  move(k) {
    const started = performance.now();
    const from = this.swapping ? 0 : this.from;
    const data = this.tracesAt(k).slice(from);
    this.drawnRev = this.rev;  // the figure drawn now is this one (a new one, when swapping)
    this.swapping = false;
    this.lastPaint = "move";
    // Drawn when plotly says the frame is (plotly_animated, hooked in redraw): the promise
    // of plotly.animate does not settle for a frame that the next one overtakes. A quarter
    // of a second at most: a chart that never says so (hidden, say) must not stop the next.
    const drawn = new Promise((resolve) => {
      const done = () => {
        if (this.moved === done) this.moved = null;  // not the next move's, if late
        resolve();
      };
      this.moved = done;
      setTimeout(done, 250);
    });
    // The frame holds the moved traces and every trace after the first of them, moved or
    // not: plotly draws a frame's traces over the others, so a run of the figure's last
    // traces keeps its order (the dotted line over the loss lines), and the traces before
    // it (a run's long path, a curve that only a marker travels along) are left as drawn.
    this.Plotly.animate(this.gd, {data, traces: data.map((_, i) => from + i)},
      {mode: "immediate", frame: {duration: 0, redraw: false}, transition: {duration: 0}})
      .catch(() => {});
    return this.painted(drawn, started);
  }

  painted(done, started) {
    this.showState();
    return Promise.resolve(done).then(() => {
      // How long each repaint took, for the benchmark (benchmarks/bench_app_latency.py).
      const log = window.__lossvizRenders || (window.__lossvizRenders = []);
      const now = performance.now();
      log.push({key: this.root.dataset.key || "", ms: now - started, at: now});
      if (log.length > 500) log.splice(0, log.length - 500);
      this.placeHandle();
    });
  }

  show(k, {broadcast = false} = {}) {
    if (!this.states) return;
    k = Math.max(0, Math.min(this.states.values.length - 1, k));
    if (k === this.k) return;
    this.k = k;
    this.paint(!(this.moves && this.drawnRev === this.rev));
    if (broadcast && this.param) {
      BUS.dispatchEvent(new CustomEvent("scrub", {
        detail: {param: this.param, value: this.states.values[k], source: this}}));
    }
  }

  follow(detail) {
    // Another chart is being dragged: show our state nearest its value.
    if (!this.states || detail.source === this || detail.param !== this.param) return;
    const values = this.states.values;
    let best = 0;
    for (let i = 1; i < values.length; i++) {
      if (Math.abs(values[i] - detail.value) < Math.abs(values[best] - detail.value)) best = i;
    }
    this.show(best);
  }

  showState() {
    const s = this.states;
    if (!s) {
      this.caption.textContent = "";
      return;
    }
    const text = (s.captions && s.captions[this.k]) || "";
    this.caption.textContent = text;
    if (this.range) {
      this.range.value = String(this.k);
      this.range.setAttribute("aria-valuetext", `${s.label} ${format(s.values[this.k])}`);
      this.readout.textContent = `${s.label} ${format(s.values[this.k])}`;
    }
    if (this.handle) {
      this.handle.setAttribute("aria-valuenow", String(s.values[this.k]));
      this.handle.setAttribute("aria-valuetext", `${s.label} ${format(s.values[this.k])}`);
    }
  }

  // -- play button and step slider, for a sequence --------------------------------------
  buildBar() {
    this.stop();
    this.bar.replaceChildren();
    this.range = null;
    const s = this.states;
    if (!s || !s.play) return;
    const button = el("button", "lv-play", this.bar);
    button.type = "button";
    const label = () => {
      button.textContent = this.timer ? "❚❚ Pause" : "▶ Play";
      button.setAttribute("aria-label", this.timer ? "Pause" : `Play the ${s.label}s`);
    };
    button.onclick = () => {
      if (this.timer) this.stop();
      else this.play();
      label();
    };
    this.playLabel = label;
    label();
    const range = el("input", "lv-range", this.bar);
    range.type = "range";
    range.min = "0";
    range.max = String(s.values.length - 1);
    range.step = "1";
    range.setAttribute("aria-label", s.label);
    range.oninput = () => {
      this.stop();
      this.show(Number(range.value), {broadcast: true});
    };
    this.range = range;
    this.readout = el("span", "lv-readout", this.bar);
  }

  play() {
    const last = this.states.values.length - 1;
    if (this.k >= last) this.show(0, {broadcast: true});
    this.timer = setInterval(() => {
      if (this.k >= last) {
        this.stop();
        return;
      }
      this.show(this.k + 1, {broadcast: true});
    }, 40);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.playLabel) this.playLabel();
  }

  // -- a draggable marker --------------------------------------------------------------
  area() {
    // The plot area of the dragged trace's axes: plotly's drag rectangle of that subplot
    // ("x2y2"), and the axis ranges the server fixed.
    const t = this.base.data[this.drag.trace] || {};
    const xa = t.xaxis || "x";
    const ya = t.yaxis || "y";
    const rect = this.gd.querySelector(`.nsewdrag[data-subplot="${xa}${ya}"]`) ||
      this.gd.querySelector(".nsewdrag");
    const layout = this.gd.layout || {};
    const xr = (layout[xa.replace("x", "xaxis")] || {}).range;
    const yr = (layout[ya.replace("y", "yaxis")] || {}).range;
    if (!rect || !xr || !yr) return null;
    return {box: rect.getBoundingClientRect(), x: xr.map(Number), y: yr.map(Number)};
  }

  markerAt(k) {
    // Where the dragged marker sits in state k: from the states, else as built.
    const d = this.drag;
    const rows = this.states.traces[String(d.trace)] || {};
    const t = this.base.data[d.trace] || {};
    const ys = rows.y ? rows.y[k] : t.y;
    const xs = rows.x ? rows.x[k] : t.x;
    return {x: Number(xs[d.point]), y: Number(ys[d.point])};
  }

  placeHandle() {
    if (this.dead) return;
    if (!this.drag || !this.states) {
      if (this.handle) this.handle.remove();
      this.handle = null;
      return;
    }
    const a = this.area();
    if (!a) return;
    if (!this.handle) {
      this.makeHandle();
      this.showState();  // its aria-valuenow and -valuetext from the start, not the first move
    }
    const p = this.markerAt(this.k);
    const host = this.root.getBoundingClientRect();
    const left = a.box.left - host.left + (p.x - a.x[0]) / (a.x[1] - a.x[0]) * a.box.width;
    const top = a.box.top - host.top + (a.y[1] - p.y) / (a.y[1] - a.y[0]) * a.box.height;
    this.handle.style.left = `${left}px`;
    this.handle.style.top = `${Math.max(0, Math.min(top, host.height))}px`;
  }

  makeHandle() {
    const s = this.states;
    const h = el("div", "lv-handle", this.root);
    h.tabIndex = 0;
    h.setAttribute("role", "slider");
    h.setAttribute("aria-label", this.drag.hint || s.label);
    h.setAttribute("aria-valuemin", String(s.values[0]));
    h.setAttribute("aria-valuemax", String(s.values[s.values.length - 1]));
    h.title = this.drag.hint || "";
    const start = this.k;
    let from = start;
    const release = () => {
      if (this.states.values[this.k] !== this.states.values[from]) {
        this.commit("commit", this.states.values[this.k]);
      }
    };
    h.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      from = this.k;
      h.setPointerCapture(e.pointerId);
      h.classList.add("lv-dragging");
    });
    h.addEventListener("pointermove", (e) => {
      if (!h.hasPointerCapture(e.pointerId)) return;
      const a = this.area();
      if (!a) return;
      // The pointer's height in data units, held inside the plot area.
      const py = Math.max(a.box.top, Math.min(a.box.bottom, e.clientY));
      const y = a.y[1] - (py - a.box.top) / a.box.height * (a.y[1] - a.y[0]);
      let best = 0;
      let gap = Infinity;
      for (let k = 0; k < this.states.values.length; k++) {
        const g = Math.abs(this.markerAt(k).y - y);
        if (g < gap) {
          gap = g;
          best = k;
        }
      }
      this.show(best, {broadcast: true});
    });
    const up = (e) => {
      if (!h.hasPointerCapture(e.pointerId)) return;
      h.releasePointerCapture(e.pointerId);
      h.classList.remove("lv-dragging");
      release();
    };
    h.addEventListener("pointerup", up);
    h.addEventListener("pointercancel", up);
    h.addEventListener("keydown", (e) => {
      const step = {ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1,
                    PageUp: 10, PageDown: -10}[e.key];
      if (step === undefined) return;
      e.preventDefault();
      from = this.k;
      // Up moves the marker up the chart, whichever way the states are ordered.
      const ys = [this.markerAt(0).y, this.markerAt(this.states.values.length - 1).y];
      const sign = ys[1] >= ys[0] ? 1 : -1;
      this.show(this.k + sign * step, {broadcast: true});
      release();
    });
    this.handle = h;
  }

  highlight(names) {
    const key = names.join("\u0000");
    if (key === this.lit) return;
    this.lit = key;
    this.dimmed = new Set(names);
    if (this.drawn) this.render();
  }
}

export default function (component) {
  const {data, parentElement, setTriggerValue} = component;
  let root = parentElement.querySelector(".lv-chart");
  if (!root) {
    root = el("div", "lv-chart", parentElement);
    root.setAttribute("role", "figure");
  }
  if (!root.__chart) root.__chart = new Chart(root, setTriggerValue);
  const chart = root.__chart;
  chart.commit = setTriggerValue;
  loadPlotly(import.meta.url)
    .then((Plotly) => chart.update(data || {}, Plotly))
    .catch((err) => {
      root.textContent = `This chart could not be drawn: ${err.message}`;
    });
  return () => {
    chart.destroy();
    root.__chart = null;
  };
}
