// The zkpov block explorer: reads this node's RPC and renders with DOM nodes and text only.
//
// Modules: decode.js checks and decodes every RPC value; node.js reads the RPC within its caps
// (the last RECENT_BLOCKS blocks one /block each, validators 100 a page, one /events stream);
// dom.js builds text-only DOM; pages.js renders the pages. This one follows the events, routes
// the location hash and re-renders at most once a second however fast blocks come.

import { int, record } from "./decode.js";
import { live, refreshStatus, setHeights } from "./node.js";
import { renderAccount, renderBlock, renderHome, renderTx, shown } from "./pages.js";

const REFRESH_MS = 1000;
let renderSeq = 0;
let refreshTimer = null;
let eventCount = 0;

function setLive(on) {
  const badge = document.getElementById("live");
  badge.textContent = on ? "live" : "offline";
  badge.className = on ? "badge on" : "badge off";
  badge.dataset.events = String(eventCount);
}

function onEvent(type, data) {
  if (typeof data !== "string" || data.length > 4096) return;
  let event;
  try {
    event = record(JSON.parse(data), "event");
    int(event.height, "height");
    int(event.round, "round");
  } catch {
    return;
  }
  eventCount += 1;
  document.getElementById("live").dataset.events = String(eventCount);
  if (type === "new_block") setHeights({ tip: event.height, round: event.round });
  if (type === "finalized") setHeights({ finalized: event.height });
  if (type === "proven_final") setHeights({ proven: event.height });
  if (type !== "new_block") scheduleRefresh();
}

function connectEvents() {
  const source = new EventSource("/events");
  source.onopen = () => {
    setLive(true);
    refreshStatus().catch(showError); // events are not replayed: resync after a reconnect
  };
  source.onerror = () => setLive(false); // EventSource reconnects by itself
  for (const type of ["new_block", "finalized", "proven_final"]) {
    source.addEventListener(type, (message) => onEvent(type, message.data));
  }
}

function scheduleRefresh() {
  if (refreshTimer !== null || shown.settled) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    render(true);
  }, REFRESH_MS);
}

function parseRoute(hash) {
  let match = /^#\/block\/([0-9]{1,15})$/.exec(hash);
  if (match) return { page: "block", height: Number(match[1]) };
  match = /^#\/tx\/(?:0x)?([0-9a-fA-F]{64})$/.exec(hash);
  if (match) return { page: "tx", hash: match[1].toLowerCase() };
  match = /^#\/account\/([0-9]{1,20})$/.exec(hash);
  if (match) return { page: "account", index: match[1] };
  return { page: "home" };
}

function routeOfQuery(query) {
  const q = query.trim();
  if (/^[0-9]{1,15}$/.test(q)) return `#/block/${q}`;
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) return `#/tx/${q.replace(/^0x/, "").toLowerCase()}`;
  const account = /^(?:@|account\s*)([0-9]{1,20})$/i.exec(q);
  if (account) return `#/account/${account[1]}`;
  return null;
}

function showError(err) {
  const box = document.getElementById("error");
  box.textContent = err instanceof Error ? err.message : String(err);
  box.hidden = false;
}

async function render(quiet = false) {
  const seq = ++renderSeq;
  const route = parseRoute(window.location.hash);
  try {
    if (live.finalized === null) await refreshStatus();
    let nodes;
    if (route.page === "block") nodes = await renderBlock(route.height);
    else if (route.page === "tx") nodes = await renderTx(route.hash);
    else if (route.page === "account") nodes = await renderAccount(route.index);
    else nodes = await renderHome();
    if (seq !== renderSeq) return; // a newer render started meanwhile
    document.getElementById("error").hidden = true;
    document.getElementById("view").replaceChildren(...nodes);
    document.body.dataset.page = route.page;
  } catch (err) {
    if (seq === renderSeq && !quiet) {
      document.getElementById("view").replaceChildren();
      showError(err);
    }
  }
}

function start() {
  document.getElementById("search").addEventListener("submit", (event) => {
    event.preventDefault();
    const target = routeOfQuery(document.getElementById("query").value);
    if (target === null) showError("search for a height, a 64-hex transaction hash or @account");
    else window.location.hash = target;
  });
  window.addEventListener("hashchange", () => render());
  render();
  connectEvents();
}

shown.onChange = () => render();
start();
