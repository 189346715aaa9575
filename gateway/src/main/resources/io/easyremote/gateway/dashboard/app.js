// The live dashboard: polls /api/dashboard every second and redraws. No framework, no build step.
"use strict";

const HISTORY = 60; // points per sparkline: one a second
const history = { rate: [], latency: [], nodes: {} };
let previous = null; // { at, total, nodes: {id: served} }

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const pct = (x) => `${Math.round((x || 0) * 100)}%`;
const gib = (b) => `${(b / 2 ** 30).toFixed(1)} GiB`;
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const secs = (x) => `${((x ?? 0) / 1000).toFixed(1)} s`;

function push(list, value) {
  list.push(value);
  if (list.length > HISTORY) list.shift();
}

/** An SVG sparkline over the last minute: a filled area under a line, scaled to the series' maximum. */
function spark(points) {
  if (points.length < 2) return "";
  const top = Math.max(...points, 1e-9);
  const step = 120 / (points.length - 1);
  const xy = points.map((v, i) => `${(i * step).toFixed(1)},${(28 - (v / top) * 25).toFixed(1)}`);
  return `<polygon class="area" points="0,30 ${xy.join(" ")} 120,30"/><polyline points="${xy.join(" ")}"/>`;
}

function bar(label, fraction, text) {
  const f = Math.max(0, Math.min(1, fraction || 0));
  const level = f >= 0.95 ? "full" : f >= 0.75 ? "hot" : "";
  return `<div class="bar"><span class="k">${label}</span><div class="track"><div class="fill ${level}" style="width:${(f * 100).toFixed(1)}%"></div></div><span class="v">${text}</span></div>`;
}

function renderNodes(nodes) {
  const el = $("nodes");
  if (!nodes.length) {
    el.innerHTML = `<p class="empty">No node is connected yet. Start one with <code>./easyremote node --gateway HOST:PORT</code>.</p>`;
    return;
  }
  el.innerHTML = nodes.map((n) => {
    const r = n.resources || {};
    const memUsed = r.memoryTotalBytes ? 1 - r.memoryFreeBytes / r.memoryTotalBytes : 0;
    const gpus = (r.gpus || []).map((g, i) => bar(`GPU ${i}`, g.utilisation, g.utilisation == null ? "n/a" : pct(g.utilisation))).join("");
    const labels = Object.entries(n.labels || {}).map(([k, v]) => `<span class="label">${esc(k)}=${esc(v)}</span>`).join("");
    const total = n.callsServed + n.callsFailed;
    const errorRate = total ? n.callsFailed / total : 0;
    return `<article class="card node" data-node="${esc(n.id)}">
      <div class="title"><span class="name">${esc(n.id)}</span>${n.gatewayId ? `<span class="label">via ${esc(n.gatewayId)}</span>` : ""}<span class="badge ${esc(n.state)}">${esc(n.state.toLowerCase())}</span></div>
      <div class="labels">${labels || '<span class="label none">no labels</span>'}</div>
      ${bar("load", n.inFlight / Math.max(1, n.maxConcurrency), `${n.inFlight} / ${n.maxConcurrency}`)}
      ${bar("CPU", r.cpuLoad, `${pct(r.cpuLoad)}${r.cpuCores ? ` of ${r.cpuCores}` : ""}`)}
      ${bar("memory", memUsed, r.memoryTotalBytes ? `${gib(r.memoryFreeBytes)} free` : "–")}
      ${gpus}
      <svg class="spark" viewBox="0 0 120 30" preserveAspectRatio="none" aria-label="calls per second">${spark(history.nodes[n.id] || [])}</svg>
      <div class="meta">
        <span><b>${total.toLocaleString()}</b> calls</span>
        <span class="${errorRate > 0.05 ? "err" : ""}"><b>${pct(errorRate)}</b> errors</span>
        <span><b>${ms(n.ewmaLatencyMillis)}</b> ms</span>
      </div>
      <div class="meta dim"><span>${(n.functions || []).length} functions</span><span>v${esc(n.version)}</span></div>
    </article>`;
  }).join("");
}

function renderFunctions(functions) {
  $("functions").tBodies[0].innerHTML = functions.map((f) => {
    const errorRate = f.calls ? f.failed / f.calls : 0;
    const kinds = [f.streaming ? "stream" : "", f.idempotent ? "idempotent" : "", f.isPublic ? "public" : ""]
      .filter(Boolean).map((k) => `<span class="tag">${k}</span>`).join("");
    return `<tr data-function="${esc(f.name)}" title="${esc(f.description)}">
      <td><code>${esc(f.name)}</code>${kinds}${f.description ? `<div class="desc">${esc(f.description)}</div>` : ""}</td>
      <td class="nodes">${f.nodeIds.map((id) => `<span class="chip">${esc(id)}</span>`).join("")}</td>
      <td class="num">${f.calls.toLocaleString()}</td>
      <td class="num ${errorRate > 0.05 ? "err" : ""}" title="${f.callerErrors} caller errors (unknown function, bad arguments, cancels) not counted">${f.calls ? pct(errorRate) : "–"}${f.callerErrors ? `<div class="desc">${f.callerErrors.toLocaleString()} caller</div>` : ""}</td>
      <td class="num">${f.calls ? ms(f.p50Millis) : "–"}</td>
      <td class="num">${f.calls ? ms(f.p95Millis) : "–"}</td>
      <td class="num ${f.queued > 0 ? "warn" : ""}">${f.queued}</td></tr>`;
  }).join("") || `<tr><td colspan="7" class="empty">No functions registered.</td></tr>`;
}

function renderCalls(calls) {
  $("calls").tBodies[0].innerHTML = calls.slice(0, 16).map((c) => `<tr>
      <td class="dim">${new Date(c.at).toLocaleTimeString()}</td><td><code>${esc(c.function)}</code>${c.stream ? `<span class="tag">${c.items} items</span>` : ""}</td>
      <td>${esc(c.node ?? "–")}</td>
      <td><span class="outcome ${c.fault === "none" ? "ok" : c.fault === "node" || c.fault === "gateway" ? "err" : "warn"}" title="${esc(c.fault)}">${esc(c.outcome)}</span></td><td class="num">${ms(c.millis)}</td></tr>`).join("") ||
    `<tr><td colspan="5" class="empty">No calls yet.</td></tr>`;
}

function renderCredits(credits) {
  $("credits").hidden = !credits;
  if (!credits) return;
  const n = (v) => Number(v ?? 0).toLocaleString();
  $("accounts").tBodies[0].innerHTML = credits.accounts.map((a) => `<tr>
      <td><code>${esc(a.account)}</code></td><td class="num">${n(a.available)}</td><td class="num">${n(a.reserved)}</td>
      <td class="num">${n(a.earned)}</td><td class="num">${n(a.spent)}</td><td class="num">${n(a.calls24h)}</td>
      <td class="num">${secs(a.executionMs24h)}</td></tr>`).join("") || `<tr><td colspan="7" class="empty">No accounts.</td></tr>`;
  $("earnings").tBodies[0].innerHTML = credits.nodes.map((e) => `<tr>
      <td>${esc(e.nodeId)}</td><td><code>${esc(e.owner ?? "–")}</code></td><td class="num">${n(e.earnedSinceStart)}</td>
      <td class="num">${n(e.calls24h)}</td><td class="num">${secs(e.executionMs24h)}</td></tr>`).join("") ||
    `<tr><td colspan="5" class="empty">No node is connected.</td></tr>`;
}

function median(values) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function render(snapshot) {
  const { gateway, nodes, functions, calls } = snapshot;
  const served = {};
  let total = 0, failed = 0;
  for (const n of nodes) {
    served[n.id] = n.callsServed + n.callsFailed;
    total += served[n.id];
    failed += n.callsFailed;
  }
  if (previous) {
    const seconds = Math.max(0.001, (snapshot.at - previous.at) / 1000);
    for (const n of nodes) {
      push(history.nodes[n.id] ??= [], Math.max(0, served[n.id] - (previous.nodes[n.id] ?? served[n.id])) / seconds);
    }
    let delta = 0;
    for (const n of nodes) delta += Math.max(0, served[n.id] - (previous.nodes[n.id] ?? served[n.id]));
    push(history.rate, delta / seconds);
    const fresh = calls.filter((c) => c.at > previous.at && c.outcome === "ok").map((c) => c.millis);
    push(history.latency, fresh.length ? median(fresh) : history.latency.at(-1) ?? 0);
  }
  for (const id of Object.keys(history.nodes)) if (!(id in served)) delete history.nodes[id];
  previous = { at: snapshot.at, nodes: served };

  $("kpi-nodes").textContent = nodes.length;
  $("kpi-functions").textContent = functions.length;
  $("kpi-inflight").textContent = gateway.inFlight;
  $("kpi-queued").textContent = gateway.queued;
  $("kpi-rate").textContent = history.rate.length ? Math.round(history.rate.at(-1)) : 0;
  $("kpi-latency").textContent = history.latency.length ? ms(history.latency.at(-1)) : "–";
  $("kpi-errors").textContent = total ? pct(failed / total) : "0%";
  $("spark-rate").innerHTML = spark(history.rate);
  $("spark-latency").innerHTML = spark(history.latency);
  renderNodes(nodes);
  renderFunctions(functions);
  renderCalls(calls);
  renderCredits(snapshot.credits);
}

// A closed gateway shows its dashboard only to an admin key (or to everyone with publicStatus).
// The key stays in this tab's sessionStorage and travels as a bearer token, never in the URL.
let askedForKey = false;

function authHeaders() {
  const key = sessionStorage.getItem("easyremote-key");
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function refresh() {
  try {
    const response = await fetch("/api/dashboard", { cache: "no-store", headers: authHeaders() });
    if (response.status === 401 || response.status === 403) {
      $("status").className = "status down";
      $("status").textContent = response.status === 401 ? "this gateway needs an admin key" : "this key may not see the dashboard";
      if (!askedForKey) {
        askedForKey = true;
        const key = window.prompt("Admin key for this gateway's dashboard (kept in this tab only):");
        if (key) {
          sessionStorage.setItem("easyremote-key", key.trim());
          askedForKey = false;
        }
      }
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    $("status").className = "status live";
    $("status").textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    $("status").className = "status down";
    $("status").textContent = "gateway unreachable";
  }
}

refresh();
setInterval(refresh, 1000);
