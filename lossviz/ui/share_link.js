// The "Share this view" box: the link to what is on screen and a button that copies it.
//
// The server sends the link of its run. Some changes rerun only part of the page (the Huber
// delta panel, the gradient-descent and sweep sections): the sidebar is not drawn again
// then, but the address bar is kept in step with every change. So the box shows the address
// bar, checked a few times a second, and copies what it shows. The link is set as text,
// never as HTML.

const CHECK_MS = 400;

function current(fallback) {
  const here = window.location;
  return here.search && here.search !== "?" ? here.href : fallback || here.href;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    // No clipboard API (a page served over plain http on a school network): the old way.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch (ignored) {
      done = false;
    }
    area.remove();
    return done;
  }
}

export default function (component) {
  const root = component.parentElement;
  const data = component.data || {};
  const link = root.querySelector(".lv-link");
  const button = root.querySelector(".lv-copy");
  const status = root.querySelector(".lv-status");
  // The server's link is right for its own run; the address bar is right after any change.
  const serverLink = String(data.link || "");
  const show = () => {
    const text = current(serverLink.startsWith("?") ? "" : serverLink);
    if (link.textContent !== text) link.textContent = text;
  };
  show();
  if (root.__lvTimer) clearInterval(root.__lvTimer);
  root.__lvTimer = setInterval(show, CHECK_MS);
  button.onclick = async () => {
    show();
    const ok = await copy(link.textContent);
    status.textContent = ok ? "Copied." : "Select the link and copy it (Ctrl+C).";
    setTimeout(() => { status.textContent = ""; }, 2500);
  };
  return () => clearInterval(root.__lvTimer);
}
