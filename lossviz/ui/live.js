// Moves charts already on the page to this run's state, instead of drawing them anew.
//
// The app keeps sending an anchored chart's figure unchanged while only a control such as
// the Huber delta moved (so Streamlit keeps the chart the browser has), and sends here, for
// each such chart, what to change: an animation frame to show, or new data for a few traces.
// Both go through Plotly.animate with no transition, as the chart's own slider does.
//
// A request is applied once per chart element: the chart keeps what the student does with
// it afterwards (scrubbing its in-figure slider, say) until the next request. A chart that
// is not drawn yet (plotly draws asynchronously) is retried on the next animation frames.
// The script holds only numbers, frame names and chart keys made by the app.

const STATE = window.__lossvizLive || (window.__lossvizLive = {charts: {}});
const STILL = {mode: "immediate", frame: {duration: 0, redraw: false}, transition: {duration: 0}};
const TRIES = 600; // animation frames (about 10 s) to wait for a chart to be drawn

function installStyle() {
  if (document.getElementById("lossviz-live")) return;
  const style = document.createElement("style");
  style.id = "lossviz-live";
  // The element that carries this script takes no room (not even the gap around it).
  style.textContent = ".st-key-lossviz_live { display: none; }";
  document.head.appendChild(style);
}

function chartFor(key) {
  return document.querySelector(".st-key-" + CSS.escape(key) + " .js-plotly-plot");
}

function ready(gd, requests) {
  if (!window.Plotly || !gd._fullLayout || !gd.data) return false;
  const frames = (gd._transitionData && gd._transitionData._frameHash) || {};
  return requests.every((r) => r.frame === undefined || frames[r.frame] !== undefined);
}

function apply(key, requests, tries) {
  if (STATE.charts[key] !== requests) return; // a later run has taken over
  const gd = chartFor(key);
  if (!gd || !ready(gd, requests)) {
    if (tries < TRIES) requestAnimationFrame(() => apply(key, requests, tries + 1));
    return;
  }
  const signature = JSON.stringify(requests);
  if (gd.__lossvizLive === signature) return; // this chart has it already
  gd.__lossvizLive = signature;
  // One after the other: an "immediate" animation would cut short the one before it.
  let done = Promise.resolve();
  for (const r of requests) {
    const frame = r.frame !== undefined ? [r.frame] : {data: r.data, traces: r.traces};
    done = done.then(() => window.Plotly.animate(gd, frame, STILL));
  }
}

// The address bar: a fragment's run brings the view's query string ("" or "?a=1&b=2",
// made by the app from checked settings); it replaces the current history entry.
function showSearch(search) {
  if (typeof search !== "string" || (search !== "" && search[0] !== "?")) return;
  if (search === window.location.search) return;
  window.history.replaceState(window.history.state, "", window.location.pathname + search);
}

export default function (component) {
  installStyle();
  const data = component.data || {};
  if (data.search !== undefined) showSearch(data.search);
  const charts = data.charts || {};
  STATE.charts = charts;
  for (const key of Object.keys(charts)) apply(key, charts[key], 0);
}
