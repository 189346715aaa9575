// The dashboard's key (sessionStorage, this tab only), sent as a bearer token when present.
function keyHeader() {
  const key = sessionStorage.getItem("easyremote-key");
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// Renders /openapi.json: one panel per function with its arguments, result, a curl line and a "try it" form.
"use strict";

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
let components = {};

function resolve(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 16; i++) {
    s = s.$ref.split("/").slice(1).reduce((node, key) => node?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], { components });
  }
  return s || {};
}

/** A short human type: integer, string, array of {x: integer}, map of string to integer... */
function typeOf(schema, depth = 0) {
  const s = resolve(schema);
  if (depth > 3) return "…";
  if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map((x) => typeOf(x, depth + 1)).join(" | ");
  const type = Array.isArray(s.type) ? s.type.filter((t) => t !== "null").join(" | ") : s.type;
  if (type === "array") return `array of ${typeOf(s.items || {}, depth + 1)}`;
  if (type === "object" || s.properties) {
    if (s.properties) {
      return `{${Object.entries(s.properties).map(([k, v]) => `${k}: ${typeOf(v, depth + 1)}`).join(", ")}}`;
    }
    if (s.additionalProperties && typeof s.additionalProperties === "object") return `map of string to ${typeOf(s.additionalProperties, depth + 1)}`;
    return "object";
  }
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" | ");
  return type || "any";
}

/** A plausible example value for a schema, for the "try it" form. */
function example(schema, depth = 0) {
  const s = resolve(schema);
  if (depth > 4) return null;
  if (s.examples?.length) return s.examples[0];
  if (s.enum?.length) return s.enum[0];
  if (s.oneOf || s.anyOf) return example((s.oneOf || s.anyOf)[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "integer": return 1;
    case "number": return 1.5;
    case "boolean": return true;
    case "string": return "text";
    case "array": return [example(s.items || {}, depth + 1)];
    case "object": return Object.fromEntries(Object.entries(s.properties || {}).map(([k, v]) => [k, example(v, depth + 1)]));
    default: return null;
  }
}

function operation(path, op, open) {
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const named = body?.oneOf ? body.oneOf[0] : body || {};
  const params = Object.entries(named.properties || {});
  const ok = op.responses?.["200"] || {};
  const streaming = !!ok.content?.["text/event-stream"];
  const result = streaming ? ok.content["text/event-stream"]["x-item-schema"] : ok.content?.["application/json"]?.schema;
  const sample = JSON.stringify(Object.fromEntries(params.map(([k, v]) => [k, example(v)])));
  const url = `${location.origin}${path}${streaming ? "/stream" : ""}`;
  const rows = params.map(([name, schema]) => `<tr><td><code>${esc(name)}</code></td><td>${esc(typeOf(schema))}</td></tr>`).join("")
    || `<tr><td colspan="2" class="empty">No arguments.</td></tr>`;
  return `<details class="op" data-path="${esc(path)}"${open ? " open" : ""}>
    <summary><span class="method">POST</span><span class="path">${esc(path)}</span>
      <span class="signature">(${params.map(([name, schema]) => `${esc(name)}: ${esc(typeOf(schema))}`).join(", ")}) → ${streaming ? "stream of " : ""}${esc(typeOf(result || {}))}</span>
      <span class="summary">${op.summary === path.slice(5) ? "" : esc(op.summary)}</span></summary>
    <div class="body">
      <p>${esc(op.description)}</p>
      <h3>Arguments (JSON object by name, or array by position)</h3>
      <table><thead><tr><th>name</th><th>type</th></tr></thead><tbody>${rows}</tbody></table>
      <h3>${streaming ? "Each streamed item" : "Result"}</h3>
      <pre>${esc(typeOf(result || {}))}</pre>
      <h3>curl</h3>
      <pre>curl -s${streaming ? "N" : ""} -X POST ${esc(url)} -d '${esc(sample)}'</pre>
      <h3>Try it</h3>
      <textarea spellcheck="false">${esc(sample)}</textarea>
      <button type="button" data-url="${esc(url)}">Call</button>
      <pre class="answer" hidden></pre>
    </div>
  </details>`;
}

async function call(button) {
  const panel = button.closest(".body");
  const answer = panel.querySelector(".answer");
  answer.hidden = false;
  answer.textContent = "…";
  try {
    const response = await fetch(button.dataset.url, { method: "POST", headers: { "Content-Type": "application/json", ...keyHeader() }, body: panel.querySelector("textarea").value });
    answer.textContent = `HTTP ${response.status}\n${await response.text()}`;
  } catch (e) {
    answer.textContent = String(e);
  }
}

async function load() {
  try {
    const doc = await (await fetch("/openapi.json", { cache: "no-store", headers: keyHeader() })).json();
    components = doc.components || {};
    const paths = Object.entries(doc.paths || {});
    document.getElementById("intro").innerHTML = `${esc(doc.info.description)} <b>${paths.length}</b> function${paths.length === 1 ? "" : "s"} registered now.`;
    document.getElementById("operations").innerHTML = paths.map(([path, item], i) => operation(path, item.post, i === 0)).join("")
      || `<p class="empty">No functions are registered: connect a node.</p>`;
  } catch (e) {
    document.getElementById("intro").textContent = `Could not load /openapi.json: ${e}`;
  }
}

document.addEventListener("click", (e) => {
  if (e.target.matches(".op button")) call(e.target);
});
load();
