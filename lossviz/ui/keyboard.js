// Keyboard access to the animation controls drawn inside plotly charts.
//
// Plotly draws its play/pause buttons (layout.updatemenus) and frame sliders (layout.sliders)
// as SVG that takes no keyboard focus. This script, installed once per page, makes them
// focusable and operable, and keeps operating plotly's own controls, so every animation still
// runs in the browser with no server round trip:
//
//   - each button gets tabindex 0, role "button" and a spoken name; Enter or Space presses it
//     (a click on the button, the event plotly listens to);
//   - each slider gets tabindex 0, role "slider" and aria values; the arrow keys step one
//     frame, Page Up/Down a tenth of the frames, Home/End jump to the first/last frame (a press
//     on the slider's rail at that frame's tick, the events plotly listens to);
//   - Tab visits a chart's controls in reading order (buttons, then the slider);
//   - a focus ring shows which control has the keyboard.
//
// Plotly may draw its controls anew on an update, so the attributes are applied again on the
// next animation frame after a chart or a control enters the page, and after each redraw of
// a chart. All key handling is one listener on the document.
// The script holds no data from the app and no user text.

// The focus ring takes the app's primary colour: Okabe-Ito blue on a light page, sky blue on
// a dark one (both at least 3:1 against the page, as a focus indicator needs).
const FOCUS_LIGHT = "#0072B2";
const FOCUS_DARK = "#56B4E9";
const FOCUS_COLOR = "var(--lossviz-focus, " + FOCUS_LIGHT + ")";
const BUTTON = "g.updatemenu-button, g.updatemenu-header";
const SLIDER = "g.slider-group";
const CONTROL = BUTTON + ", " + SLIDER;

const CSS = [
  // The element that carries this script takes no room (not even the gap around it).
  ".st-key-lossviz_keyboard { display: none; }",
  ".js-plotly-plot g.updatemenu-button:focus, .js-plotly-plot g.updatemenu-header:focus,",
  ".js-plotly-plot g.slider-group:focus { outline: none; }",
  ".js-plotly-plot g.updatemenu-button:focus-visible > rect.updatemenu-item-rect,",
  ".js-plotly-plot g.updatemenu-header:focus-visible > rect.updatemenu-item-rect {",
  "  stroke: " + FOCUS_COLOR + " !important; stroke-width: 3px !important;",
  "  stroke-opacity: 1 !important; }",
  ".js-plotly-plot g.slider-group:focus-visible > rect.slider-grip-rect {",
  "  stroke: " + FOCUS_COLOR + " !important; stroke-width: 3px !important;",
  "  stroke-opacity: 1 !important; }",
  ".js-plotly-plot g.slider-group:focus-visible > rect.slider-rail-rect {",
  "  stroke: " + FOCUS_COLOR + " !important; stroke-width: 2px !important;",
  "  stroke-opacity: 1 !important; }",
].join("\n");

function clean(text) {
  return String(text == null ? "" : text).replace(/\s+/g, " ").trim();
}

// The spoken name of a button: what it does, not its glyphs ("▶" reads as a triangle).
function buttonName(el) {
  const opts = el.__data__ || {};
  const shown = clean(opts.label || el.textContent);
  const args = Array.isArray(opts.args) ? opts.args : [];
  if (opts.method === "animate") {
    const frames = args[0];
    if (Array.isArray(frames) && frames.length === 1 && frames[0] === null) {
      return "Pause animation";
    }
    if (frames == null || (Array.isArray(frames) && frames.length > 1)) {
      return "Play animation";
    }
  }
  return shown || "Chart button";
}

function sliderOpts(group) {
  const opts = group.__data__;
  return opts && Array.isArray(opts.steps) && opts.steps.length ? opts : null;
}

// The steps a user can land on, in order, as indices into opts.steps.
function visibleSteps(opts) {
  const shown = Array.isArray(opts._visibleSteps) ? opts._visibleSteps : null;
  if (shown && shown.length) {
    return shown.map((s, i) => (typeof s._index === "number" ? s._index : i));
  }
  return opts.steps.map((_, i) => i);
}

function sliderText(opts) {
  const cv = opts.currentvalue || {};
  const step = opts.steps[opts.active] || {};
  return clean((cv.prefix || "") + (step.label == null ? "" : step.label) + (cv.suffix || ""));
}

function syncSlider(group) {
  const opts = sliderOpts(group);
  if (!opts) return;
  const order = visibleSteps(opts);
  const at = Math.max(0, order.indexOf(opts.active));
  const text = sliderText(opts) + " (frame " + (at + 1) + " of " + order.length + ")";
  decorate(group, {"aria-valuemin": "1", "aria-valuemax": String(order.length),
                   "aria-valuenow": String(at + 1), "aria-valuetext": text});
}

// Set only what differs, so a pass over unchanged controls writes nothing to the page.
function decorate(el, attrs) {
  for (const name in attrs) {
    if (el.getAttribute(name) !== attrs[name]) el.setAttribute(name, attrs[name]);
  }
}

// A control's name and value say it all: its drawn text (the glyphs, every step's label) is
// kept out of the accessibility tree.
function hideInside(el) {
  for (const child of el.children) decorate(child, {"aria-hidden": "true"});
}

function decoratePlot(gd) {
  for (const el of gd.querySelectorAll(BUTTON)) {
    const attrs = {tabindex: "0", role: "button", "aria-label": buttonName(el)};
    if (el.matches("g.updatemenu-header")) attrs["aria-haspopup"] = "true";
    decorate(el, attrs);
    hideInside(el);
  }
  for (const group of gd.querySelectorAll(SLIDER)) {
    const opts = sliderOpts(group);
    if (!opts) continue;
    const name = clean((opts.currentvalue || {}).prefix).replace(/[\s:=]+$/, "");
    decorate(group, {tabindex: "0", role: "slider", "aria-orientation": "horizontal",
                     "aria-label": name ? "Frame slider, " + name : "Frame slider"});
    syncSlider(group);
    hideInside(group);
  }
  if (!gd.__lossvizKeyboard && typeof gd.on === "function") {
    gd.__lossvizKeyboard = true;
    // The slider follows a playing animation; keep its spoken value in step.
    gd.on("plotly_sliderchange", () => {
      for (const group of gd.querySelectorAll(SLIDER)) syncSlider(group);
    });
    // A rerun can give the chart new frames and labels in the same SVG elements.
    gd.on("plotly_afterplot", () => decoratePlot(gd));
  }
}

function scan() {
  scan.pending = false;
  for (const gd of document.querySelectorAll(".js-plotly-plot")) decoratePlot(gd);
}

// Whether an added node is or holds a chart or a control. During an animation plotly only
// swaps text inside the controls, which this skips at the cost of one selector match.
const WATCHED = ".js-plotly-plot, " + CONTROL;

function holdsControls(node) {
  return node.nodeType === 1 && (node.matches(WATCHED) || node.querySelector(WATCHED) !== null);
}

function onMutations(records) {
  if (scan.pending) return;
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (holdsControls(node)) {
        scan.pending = true;
        requestAnimationFrame(scan);
        return;
      }
    }
  }
}

function press(el) {
  el.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, view: window}));
}

function mouse(type, target, x, y) {
  target.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true, view: window,
                                             button: 0, clientX: x, clientY: y}));
}

// Screen x of the step at position `pos` of `order`: the centre of its tick mark, or the
// same place measured along the rail when the ticks are not drawn one per step.
function stepX(group, order, pos) {
  const ticks = group.querySelectorAll("rect.slider-tick-rect");
  if (ticks.length === order.length) {
    const box = ticks[pos].getBoundingClientRect();
    return box.left + box.width / 2;
  }
  const rail = group.querySelector("rect.slider-rail-touch-rect").getBoundingClientRect();
  const inset = 10;  // plotly's stepInset: the first and last steps sit 10 px inside the rail
  const frac = order.length > 1 ? pos / (order.length - 1) : 0;
  return rail.left + inset + (rail.width - 2 * inset) * frac;
}

// Move a slider to position `pos` of its visible steps the way a mouse would: press on the
// rail at that step and release. Plotly then runs the step's own command (an animation to
// that frame) exactly as for a click.
function moveSlider(group, pos) {
  const opts = sliderOpts(group);
  const gd = group.closest(".js-plotly-plot");
  const touch = group.querySelector("rect.slider-rail-touch-rect");
  if (!opts || !gd || !touch) return;
  const order = visibleSteps(opts);
  pos = Math.max(0, Math.min(order.length - 1, pos));
  if (order[pos] === opts.active) return;
  const rail = touch.getBoundingClientRect();
  const y = rail.top + rail.height / 2;
  let x = stepX(group, order, pos);
  for (let tries = 0; tries < 3 && order[pos] !== opts.active; tries++) {
    mouse("mousedown", touch, x, y);
    mouse("mouseup", gd, x, y);
    // Rounding in plotly's pixel-to-step mapping can land one step off: nudge toward it.
    const now = order.indexOf(opts.active);
    const spacing = order.length > 1 ? rail.width / (order.length - 1) : 0;
    x += (pos - now) * spacing / 2;
  }
  syncSlider(group);
}

function sliderKey(group, key) {
  const opts = sliderOpts(group);
  if (!opts) return false;
  const order = visibleSteps(opts);
  const at = Math.max(0, order.indexOf(opts.active));
  const page = Math.max(1, Math.round(order.length / 10));
  const moves = {ArrowRight: at + 1, ArrowUp: at + 1, ArrowLeft: at - 1, ArrowDown: at - 1,
                 PageUp: at + page, PageDown: at - page, Home: 0, End: order.length - 1};
  if (key === " " || key === "Spacebar") return true;  // as on a native slider: no page jump
  if (!(key in moves)) return false;
  moveSlider(group, moves[key]);
  return true;
}

// A chart's controls in reading order: top to bottom, and left to right where they share a
// row (plotly puts sliders before buttons in the document, the reverse of how they read).
function readingOrder(gd) {
  const items = Array.from(gd.querySelectorAll(CONTROL))
    .filter((el) => el.getAttribute("tabindex") === "0")
    .map((el) => ({el, box: el.getBoundingClientRect()}));
  items.sort((a, b) => {
    const sameRow = a.box.top < b.box.bottom && b.box.top < a.box.bottom;
    if (!sameRow) return a.box.top - b.box.top;
    return a.box.left - b.box.left || a.box.top - b.box.top;
  });
  return items.map((item) => item.el);
}

// Tab inside a chart follows reading order; leaving it, the browser carries on from the
// control that comes last (or first, going back) in the document, so no control is skipped
// and none is visited twice.
function tabKey(el, back) {
  const gd = el.closest(".js-plotly-plot");
  if (!gd) return false;
  const seq = readingOrder(gd);
  const next = seq.indexOf(el) + (back ? -1 : 1);
  if (next >= 0 && next < seq.length) {
    seq[next].focus();
    return true;
  }
  const inDocument = Array.from(gd.querySelectorAll(CONTROL))
    .filter((c) => c.getAttribute("tabindex") === "0");
  const edge = back ? inDocument[0] : inDocument[inDocument.length - 1];
  if (edge && edge !== el) edge.focus();
  return false;  // let the browser move on from there
}

// Relative luminance of a CSS rgb()/rgba() colour, 1 (white) when it cannot be read.
function luminance(color) {
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(color || "");
  if (!m || m[4] === "0") return 1;
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// Read the page's background when a control takes focus (the theme can change at any time).
function setFocusColor() {
  const app = document.querySelector(".stApp") || document.body;
  const dark = luminance(getComputedStyle(app).backgroundColor) < 0.2;
  const want = dark ? FOCUS_DARK : FOCUS_LIGHT;
  const root = document.documentElement.style;
  if (root.getPropertyValue("--lossviz-focus") !== want) {
    root.setProperty("--lossviz-focus", want);
  }
}

// Coming into a chart with Tab, start at its first control in reading order (its last, with
// Shift+Tab), whichever control the document order picked. `tabbing` is set while a Tab key
// is down, so focus moved by a mouse or by a script is left alone.
let tabbing = null;

function onFocusIn(event) {
  const el = event.target;
  if (!(el instanceof Element) || !el.matches(CONTROL)) return;
  setFocusColor();
  if (el.matches(SLIDER)) syncSlider(el);
  if (!tabbing) return;
  const gd = el.closest(".js-plotly-plot");
  const from = event.relatedTarget;
  if (!gd || (from instanceof Element && from.matches(CONTROL) && gd.contains(from))) {
    return;  // moving between this chart's controls
  }
  const seq = readingOrder(gd);
  const want = tabbing.back ? seq[seq.length - 1] : seq[0];
  if (want && want !== el) want.focus();
}

function onKeyDown(event) {
  if (event.key === "Tab") tabbing = {back: event.shiftKey};
  const el = event.target;
  if (!(el instanceof Element) || !el.matches(CONTROL) || event.altKey || event.ctrlKey ||
      event.metaKey) {
    return;
  }
  let handled = false;
  if (event.key === "Tab") {
    handled = tabKey(el, event.shiftKey);
  } else if (el.matches(BUTTON)) {
    if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
      if (!event.repeat) press(el);
      handled = true;
    }
  } else {
    handled = sliderKey(el, event.key);
  }
  if (handled) {
    event.preventDefault();
    event.stopPropagation();
  }
}

export function install() {
  if (window.__lossvizKeyboard) return;
  window.__lossvizKeyboard = true;
  const style = document.createElement("style");
  style.id = "lossviz-keyboard";
  style.textContent = CSS;
  document.head.appendChild(style);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("focusin", onFocusIn);
  document.addEventListener("keyup", (event) => {
    if (event.key === "Tab") tabbing = null;
  });
  new MutationObserver(onMutations).observe(document.body, {childList: true, subtree: true});
  scan();
}

export default function () {
  install();
}
