// The live dashboard: polls the gateway's JSON API every second and redraws. No framework, no build step.
"use strict";
const history = { total: [], nodes: {} };
let lastServed = null;

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const pct = (x) => `${Math.round(x * 100)}%`;
const gib = (b) => (b / 2 ** 30).toFixed(1) + " GiB";

function spark(points, max) {
  if (points.length < 2) return "";
  const top = Math.max(max ?? 0, ...points, 1);
  const step = 120 / (points.length - 1);
  return `<polyline points="${points.map((v, i) => `${(i * step).toFixed(1)},${(29 - (v / top) * 27).toFixed(1)}`).join(" ")}"/>`;
}

function bar(label, fraction, text) {
  const f = Math.max(0, Math.min(1, fraction || 0));
  const cls = f >= 0.95 ? "full" : f >= 0.75 ? "hot" : "";
  return `<div class="bar"><span>${label}</span><div class="track"><div class="fill ${cls}" style="width:${(f * 100).toFixed(1)}%"></div></div><span class="v">${text}</span></div>`;
}

function push(list, value, size = 60) {
  list.push(value);
  if (list.length > size) list.shift();
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
    const gpus = (r.gpus || []).map((g) => bar("GPU " + esc(g.name).slice(0, 10), g.utilisation, pct(g.utilisation))).join("");
    const labels = Object.entries(n.labels || {}).map(([k, v]) => `<span class="label">${esc(k)}=${esc(v)}</span>`).join("");
    const total = n.callsServed + n.callsFailed;
    const errorRate = total ? n.callsFailed / total : 0;
    return `<div class="card node" data-node="${esc(n.id)}">
      <div class="title"><span class="name">${esc(n.id)}</span><span class="badge ${esc(n.state)}">${esc(n.state)}</span></div>
      <div class="labels">${labels || '<span class="label">no labels</span>'}</div>
      ${bar("in flight", n.inFlight / Math.max(1, n.maxConcurrency), `${n.inFlight}/${n.maxConcurrency}`)}
      ${bar("CPU", r.cpuLoad, pct(r.cpuLoad || 0))}
      ${bar("memory", memUsed, r.memoryTotalBytes ? gib(r.memoryFreeBytes) + " free" : "–")}
      ${gpus || bar("GPU", 0, "none")}
      <svg class="spark" viewBox="0 0 120 30" preserveAspectRatio="none">${spark(history.nodes[n.id] || [])}</svg>
      <div class="meta"><span><b>${n.callsServed}</b> served</span><span class="${errorRate > 0.05 ? "err" : ""}"><b>${pct(errorRate)}</b> errors</span><span><b>${n.ewmaLatencyMillis.toFixed(1)}</b> ms</span></div>
      <div class="meta"><span>${(n.functions || []).length} functions</span><span>v${esc(n.version)}</span></div>
    </div>`;
  }).join("");
}

function renderFunctions(functions) {
  $("functions").tBodies[0].innerHTML = functions.map((f) => `<tr data-function="${esc(f.name)}">
      <td><code>${esc(f.name)}</code></td><td>${f.nodeIds.map(esc).join(", ")}</td>
      <td>${f.streaming ? "stream" : "unary"}${f.idempotent ? " · idempotent" : ""}${f.isPublic ? " · public" : ""}</td>
      <td class="num">${f.queued}</td><td>${esc(f.description)}</td></tr>`).join("") ||
    `<tr><td colspan="5" class="empty">No functions registered.</td></tr>`;
}

function renderCalls(calls) {
  $("calls").tBodies[0].innerHTML = calls.slice(0, 14).map((c) => `<tr>
      <td>${new Date(c.at).toLocaleTimeString()}</td><td><code>${esc(c.function)}</code></td><td>${esc(c.node ?? "–")}</td>
      <td class="${c.outcome === "OK" ? "ok" : "err"}">${esc(c.outcome)}</td><td class="num">${c.millis.toFixed(1)}</td></tr>`).join("") ||
    `<tr><td colspan="5" class="empty">No calls yet.</td></tr>`;
}

async function refresh() {
  try {
    const [nodes, functions, calls] = await Promise.all(["/api/nodes", "/api/functions", "/api/calls"].map((u) => fetch(u).then((r) => r.json())));
    const served = {};
    let totalServed = 0, failed = 0, inFlight = 0;
    for (const n of nodes) {
      served[n.id] = n.callsServed + n.callsFailed;
      totalServed += served[n.id];
      failed += n.callsFailed;
      inFlight += n.inFlight;
    }
    if (lastServed) {
      for (const n of nodes) push(history.nodes[n.id] ??= [], Math.max(0, served[n.id] - (lastServed.nodes[n.id] ?? served[n.id])));
      push(history.total, Math.max(0, totalServed - lastServed.total));
    }
    lastServed = { total: totalServed, nodes: served };
    $("kpi-nodes").textContent = nodes.length;
    $("kpi-functions").textContent = functions.length;
    $("kpi-inflight").textContent = inFlight;
    $("kpi-rate").textContent = history.total.length ? history.total[history.total.length - 1] : 0;
    $("kpi-errors").textContent = failed;
    $("spark-total").innerHTML = spark(history.total);
    renderNodes(nodes);
    renderFunctions(functions);
    renderCalls(calls);
    $("status").className = "status live";
    $("status").textContent = "live · " + new Date().toLocaleTimeString();
  } catch (e) {
    $("status").className = "status down";
    $("status").textContent = "gateway unreachable";
  }
}

refresh();
setInterval(refresh, 1000);
