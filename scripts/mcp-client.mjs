// Drives the official MCP TypeScript SDK client (@modelcontextprotocol/sdk, installed into .tools by
// scripts/install-test-deps.sh) against a gateway's /mcp, for the Java tests. One command per stdin
// line, one JSON answer per stdout line:
//   connect URL [KEY]          -> {ok, protocolVersion, server} or {ok:false, error}
//   list                       -> {tools: [tool...], listChanged: notifications seen so far}
//   call NAME ARGS-JSON        -> {result} or {error}
//   stream NAME ARGS-JSON      -> {progress: [message...], result} (a progress token is sent)
//   start NAME ARGS-JSON       -> {started: true}; the call runs until `abort`
//   abort                      -> {aborted: true, error} once the aborted call has rejected
//   awaitListChanged MS N      -> {listChanged: true|false}: whether more than N notifications were seen within MS
//   close                      -> {closed: true}, then exit
// Usage: node scripts/mcp-client.mjs   (cwd = the repository root)
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(resolve(process.cwd(), ".tools/node_modules/"));
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
const { ToolListChangedNotificationSchema } = require("@modelcontextprotocol/sdk/types.js");

let client;
let listChanged = 0;
let listChangedWaiters = [];
let running; // {controller, promise}

const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");
const message = (e) => (e && e.message) || String(e);

async function handle(line) {
  const [command, ...rest] = line.trim().split(" ");
  const name = rest[0];
  const args = rest.length > 1 && command !== "connect" && command !== "awaitListChanged" ? JSON.parse(rest.slice(1).join(" ")) : {};
  switch (command) {
    case "connect": {
      const headers = rest[1] ? { Authorization: `Bearer ${rest[1]}` } : {};
      client = new Client({ name: "easyremote-test", version: "1.0.0" });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        listChanged++;
        listChangedWaiters.forEach((w) => w());
        listChangedWaiters = [];
      });
      const transport = new StreamableHTTPClientTransport(new URL(name), { requestInit: { headers } });
      try {
        await client.connect(transport);
        out({ ok: true, protocolVersion: transport.protocolVersion ?? null, server: client.getServerVersion(),
          capabilities: client.getServerCapabilities() });
      } catch (e) {
        out({ ok: false, error: message(e) });
      }
      return;
    }
    case "list":
      out({ tools: (await client.listTools()).tools, listChanged });
      return;
    case "call":
      try {
        out({ result: await client.callTool({ name, arguments: args }) });
      } catch (e) {
        out({ error: message(e) });
      }
      return;
    case "stream": {
      const progress = [];
      try {
        const result = await client.callTool({ name, arguments: args }, undefined, {
          onprogress: (p) => progress.push(p.message ?? String(p.progress)),
        });
        out({ progress, result });
      } catch (e) {
        out({ progress, error: message(e) });
      }
      return;
    }
    case "start": {
      const controller = new AbortController();
      const promise = client.callTool({ name, arguments: args }, undefined, { signal: controller.signal, timeout: 120000 })
        .then((result) => ({ result }), (e) => ({ error: message(e) }));
      running = { controller, promise };
      out({ started: true });
      return;
    }
    case "abort": {
      running.controller.abort("the test aborts it");
      out({ aborted: true, ...(await running.promise) });
      return;
    }
    case "awaitListChanged": {
      const seen = Number(rest[1] ?? listChanged);
      const ok = await new Promise((done) => {
        if (listChanged > seen) return done(true);
        const timer = setTimeout(() => done(false), Number(name));
        listChangedWaiters.push(() => { clearTimeout(timer); done(true); });
      });
      out({ listChanged: ok, count: listChanged });
      return;
    }
    case "close":
      await client?.close();
      out({ closed: true });
      process.exit(0);
    default:
      out({ error: `unknown command ${command}` });
  }
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(() => handle(line)).catch((e) => out({ error: message(e) }));
});
lines.on("close", () => queue.then(() => process.exit(0)));
