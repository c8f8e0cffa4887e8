// Micro services (ADR-32) wire interop between our C API and npm's
// @nats-io/services, on one nats-server (run by tests/micro_interop.rs).
//
//   node micro_interop.mjs --scenarios a,b,c --service EXE --client EXE URL
//
// a: the C service (tests/micro_interop/service.c, started here) is found by
//    the services client: PING, INFO and STATS, unfiltered, by name, by name
//    and id, every ADR-32 field checked, STATS counting the calls made here;
// b: plain requests to its endpoints: the reply bytes, and the service
//    error of "calc.fail" in the Nats-Service-Error(-Code) headers;
// c: a service written with @nats-io/services is called by the C program
//    tests/micro_interop/client.c through microClient_DoRequest.
//
// Every failed check is printed ("FAIL ..."), not only the first, so that a
// run on another library shows all that differs; the last line is "OK" when
// none failed (exit status 0), else the count (exit status 1).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { isDeepStrictEqual } from "node:util";

import { connect } from "@nats-io/transport-node";
import {
  ServiceError,
  ServiceErrorCodeHeader,
  ServiceErrorHeader,
  Svcm,
} from "@nats-io/services";

const failures = [];
function check(cond, what, ...got) {
  if (!cond) {
    const shown =
      got.length === 0
        ? ""
        : got[0] === undefined
          ? " (got nothing: the field is absent)"
          : ` (got ${JSON.stringify(got[0])})`;
    failures.push(what + shown);
    console.log(`FAIL ${what}${shown}`);
  }
  return cond;
}

function parseArgs(argv) {
  const args = { scenarios: "a,b,c", service: "", client: "", url: "" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--scenarios") args.scenarios = argv[++i];
    else if (a === "--service") args.service = argv[++i];
    else if (a === "--client") args.client = argv[++i];
    else args.url = a;
  }
  args.scenarios = new Set(args.scenarios.split(",").filter((s) => s));
  return args;
}

const te = new TextEncoder();
const bytes = (...parts) => {
  const chunks = parts.map((p) => (typeof p === "string" ? te.encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
};
const sameBytes = (a, b) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

// ---- the C service, as a child process ----------------------------------

class CService {
  constructor(exe, url) {
    this.proc = spawn(exe, [url], { stdio: ["pipe", "pipe", "inherit"] });
    this.lines = [];
    this.exit = new Promise((resolve) =>
      this.proc.on("exit", (code, sig) => resolve({ code, sig })),
    );
    // Resolves to [svc id, other id] when the program prints READY.
    this.ids = new Promise((resolve, reject) => {
      const rl = createInterface({ input: this.proc.stdout });
      rl.on("line", (line) => {
        this.lines.push(line);
        const m = /^READY (\S+) (\S+)$/.exec(line);
        if (m) resolve([m[1], m[2]]);
        else console.log(`service: ${line}`);
      });
      this.closed = new Promise((done) => rl.on("close", done));
      this.closed.then(() => reject(new Error("the C service exited before READY")));
    });
  }

  ready() {
    return this.ids;
  }

  // Closes its stdin: it stops its services and exits.
  async stop() {
    this.proc.stdin.end();
    const { code, sig } = await this.exit;
    await this.closed;
    check(code === 0, "the C service exits with status 0", { code, sig });
    check(this.lines.includes("DONE"), "the C service stopped and destroyed its services", this.lines);
  }
}

// ---- what the C service serves (see service.c) --------------------------

const SVC = {
  name: "nats_rs_svc",
  version: "1.2.3",
  description: "nats_rs micro interop service",
  metadata: { team: "interop", lang: "c" },
  endpoints: {
    echo: { subject: "calc.echo", queue_group: "q", metadata: { op: "echo", format: "bytes" } },
    fail: { subject: "calc.fail", queue_group: "q", metadata: { op: "fail" } },
    status: { subject: "svc.status", queue_group: "special", metadata: {} },
  },
};
const OTHER = {
  name: "nats_rs_other",
  version: "0.1.0",
  metadata: {},
  endpoints: { ping: { subject: "other.ping", queue_group: "q", metadata: {} } },
};

// An endpoint without metadata may show it as {} or leave it out (ADR-32:
// optional); a service's metadata is {} when it has none (issue 18).
const endpointMetaOk = (got, want) =>
  isDeepStrictEqual(got ?? {}, want);

const RFC3339 =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

// The responses of a PING/INFO/STATS query; none when nothing answers
// (nats-core reports no responders as an error).
async function collect(iterPromise) {
  const out = [];
  try {
    for await (const r of await iterPromise) out.push(r);
  } catch (err) {
    if (!/no responders/i.test(String(err?.message))) throw err;
  }
  return out;
}

const byName = (list) => Object.fromEntries(list.map((r) => [r.name, r]));

function checkIdentity(r, want, id, type, where) {
  check(r.type === `io.nats.micro.v1.${type}_response`, `${where}: type`, r.type);
  check(r.name === want.name, `${where}: name`, r.name);
  check(r.id === id, `${where}: id is the service's (microService_GetInfo)`, r.id);
  check(r.version === want.version, `${where}: version`, r.version);
  // PING and STATS carry the service's metadata, {} when it has none
  // (ADR-32; issue 18); INFO as nats.c does it, which leaves out an empty
  // one.
  const got = type === "info" && r.metadata == null ? {} : r.metadata;
  check(
    isDeepStrictEqual(got, want.metadata),
    `${where}: metadata is the service's`,
    r.metadata,
  );
}

function checkPing(r, want, id, where) {
  checkIdentity(r, want, id, "ping", where);
}

function checkInfo(r, want, id, where) {
  checkIdentity(r, want, id, "info", where);
  if (want.description !== undefined)
    check(r.description === want.description, `${where}: description`, r.description);
  check(Array.isArray(r.endpoints), `${where}: endpoints is an array`, r.endpoints);
  const eps = byName(r.endpoints ?? []);
  check(
    isDeepStrictEqual(Object.keys(eps).sort(), Object.keys(want.endpoints).sort()),
    `${where}: the endpoints`,
    Object.keys(eps),
  );
  for (const [name, w] of Object.entries(want.endpoints)) {
    const e = eps[name];
    if (!e) continue;
    const at = `${where}: endpoint ${name}`;
    check(e.subject === w.subject, `${at}: subject`, e.subject);
    check(e.queue_group === w.queue_group, `${at}: queue_group`, e.queue_group);
    check(endpointMetaOk(e.metadata, w.metadata), `${at}: metadata`, e.metadata);
  }
}

function checkStats(r, want, id, calls, where) {
  checkIdentity(r, want, id, "stats", where);
  check(typeof r.started === "string" && RFC3339.test(r.started), `${where}: started is RFC 3339`, r.started);
  const started = Date.parse(r.started);
  check(
    Number.isFinite(started) && Math.abs(Date.now() - started) < 120_000,
    `${where}: started is near now`,
    r.started,
  );
  check(Array.isArray(r.endpoints), `${where}: endpoints is an array`, r.endpoints);
  const eps = byName(r.endpoints ?? []);
  check(
    isDeepStrictEqual(Object.keys(eps).sort(), Object.keys(want.endpoints).sort()),
    `${where}: the endpoints`,
    Object.keys(eps),
  );
  for (const [name, w] of Object.entries(want.endpoints)) {
    const e = eps[name];
    if (!e) continue;
    const at = `${where}: endpoint ${name}`;
    const c = calls[w.subject] ?? { requests: 0, errors: 0, lastError: "" };
    check(e.subject === w.subject, `${at}: subject`, e.subject);
    check(e.queue_group === w.queue_group, `${at}: queue_group`, e.queue_group);
    // Issue 18: ours also gives each endpoint's metadata in STATS.
    check(endpointMetaOk(e.metadata, w.metadata), `${at}: metadata`, e.metadata);
    check(e.num_requests === c.requests, `${at}: num_requests is the number of calls`, e.num_requests);
    check(e.num_errors === c.errors, `${at}: num_errors is the number of failed calls`, e.num_errors);
    check(
      Number.isInteger(e.processing_time) && e.processing_time >= 0,
      `${at}: processing_time (ns) is a non-negative integer`,
      e.processing_time,
    );
    check(
      Number.isInteger(e.average_processing_time) && e.average_processing_time >= 0,
      `${at}: average_processing_time (ns) is a non-negative integer`,
      e.average_processing_time,
    );
    if (c.requests > 0 && Number.isInteger(e.processing_time)) {
      check(e.processing_time > 0, `${at}: processing_time > 0 after calls`, e.processing_time);
      const avg = e.processing_time / c.requests;
      check(
        Math.abs(e.average_processing_time - avg) <= 1,
        `${at}: average_processing_time is processing_time / num_requests (${avg})`,
        e.average_processing_time,
      );
    }
    if (c.errors > 0) {
      check(
        typeof e.last_error === "string" && e.last_error.includes(c.lastError),
        `${at}: last_error has the last error's text "${c.lastError}"`,
        e.last_error,
      );
    } else {
      check((e.last_error ?? "") === "", `${at}: last_error is empty`, e.last_error);
    }
  }
}

// The calls made to the C service (both scenarios), which its STATS count.
const calls = {};
function count(subject, err) {
  const c = (calls[subject] ??= { requests: 0, errors: 0, lastError: "" });
  c.requests++;
  if (err) {
    c.errors++;
    c.lastError = err;
  }
}

// ---- scenario a: discovery ----------------------------------------------

async function scenarioA(nc, ids) {
  const [svcId, otherId] = ids;
  // More calls for STATS (after b's, when it ran): three echoes, two
  // failures, one status.
  for (const d of ["one", "two", "three"]) {
    const m = await nc.request("calc.echo", d, { timeout: 5000 });
    check(m.string() === `echo:${d}`, "a: calc.echo replies", m.string());
    count("calc.echo");
  }
  for (const d of ["first", "second"]) {
    const m = await nc.request("calc.fail", d, { timeout: 5000 });
    check(ServiceError.isServiceError(m), "a: calc.fail answers a service error");
    count("calc.fail", `bad input: ${d}`);
  }
  const st = await nc.request("svc.status", "", { timeout: 5000 });
  check(st.string() === "up", "a: svc.status replies", st.string());
  count("svc.status");

  const client = new Svcm(nc).client();

  // PING
  let rs = byName(await collect(client.ping()));
  check(
    isDeepStrictEqual(Object.keys(rs).sort(), [OTHER.name, SVC.name]),
    "a: ping() finds both services",
    Object.keys(rs),
  );
  if (rs[SVC.name]) checkPing(rs[SVC.name], SVC, svcId, "ping()");
  if (rs[OTHER.name]) checkPing(rs[OTHER.name], OTHER, otherId, "ping() other");
  let list = await collect(client.ping(SVC.name));
  check(list.length === 1, "a: ping(name) finds one service", list.length);
  if (list[0]) checkPing(list[0], SVC, svcId, "ping(name)");
  list = await collect(client.ping(SVC.name, svcId));
  check(list.length === 1, "a: ping(name, id) finds one service", list.length);
  if (list[0]) checkPing(list[0], SVC, svcId, "ping(name, id)");
  list = await collect(client.ping(SVC.name, otherId));
  check(list.length === 0, "a: ping(name, another service's id) finds none", list);
  list = await collect(client.ping(OTHER.name, otherId));
  check(list.length === 1, "a: ping(other name, its id) finds one service", list.length);
  if (list[0]) checkPing(list[0], OTHER, otherId, "ping(other name, id)");

  // INFO
  rs = byName(await collect(client.info()));
  check(
    isDeepStrictEqual(Object.keys(rs).sort(), [OTHER.name, SVC.name]),
    "a: info() finds both services",
    Object.keys(rs),
  );
  if (rs[SVC.name]) checkInfo(rs[SVC.name], SVC, svcId, "info()");
  if (rs[OTHER.name]) checkInfo(rs[OTHER.name], OTHER, otherId, "info() other");
  list = await collect(client.info(SVC.name));
  check(list.length === 1, "a: info(name) finds one service", list.length);
  if (list[0]) checkInfo(list[0], SVC, svcId, "info(name)");
  list = await collect(client.info(SVC.name, svcId));
  check(list.length === 1, "a: info(name, id) finds one service", list.length);
  if (list[0]) checkInfo(list[0], SVC, svcId, "info(name, id)");

  // STATS
  rs = byName(await collect(client.stats()));
  check(
    isDeepStrictEqual(Object.keys(rs).sort(), [OTHER.name, SVC.name]),
    "a: stats() finds both services",
    Object.keys(rs),
  );
  if (rs[SVC.name]) checkStats(rs[SVC.name], SVC, svcId, calls, "stats()");
  if (rs[OTHER.name]) checkStats(rs[OTHER.name], OTHER, otherId, {}, "stats() other");
  list = await collect(client.stats(SVC.name));
  check(list.length === 1, "a: stats(name) finds one service", list.length);
  if (list[0]) checkStats(list[0], SVC, svcId, calls, "stats(name)");
  list = await collect(client.stats(SVC.name, svcId));
  check(list.length === 1, "a: stats(name, id) finds one service", list.length);
  if (list[0]) checkStats(list[0], SVC, svcId, calls, "stats(name, id)");
}

// ---- scenario b: calls and service errors -------------------------------

async function scenarioB(nc) {
  // Bytes a text-only path would mangle: zero, high bytes, invalid UTF-8.
  const payload = new Uint8Array([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x68, 0x69]);
  let m = await nc.request("calc.echo", payload, { timeout: 5000 });
  check(sameBytes(m.data, bytes("echo:", payload)), "b: calc.echo reply bytes are \"echo:\" + the request's", Array.from(m.data));
  check(!ServiceError.isServiceError(m), "b: calc.echo's reply is not a service error");
  check((m.headers?.get(ServiceErrorHeader) ?? "") === "", "b: calc.echo's reply has no Nats-Service-Error");
  count("calc.echo");

  m = await nc.request("calc.echo", new Uint8Array(0), { timeout: 5000 });
  check(m.string() === "echo:", "b: calc.echo of an empty request", m.string());
  count("calc.echo");

  m = await nc.request("svc.status", "", { timeout: 5000 });
  check(m.string() === "up", "b: svc.status replies \"up\"", m.string());
  count("svc.status");

  m = await nc.request("calc.fail", "oops 42", { timeout: 5000 });
  count("calc.fail", "bad input: oops 42");
  check(m.headers !== undefined, "b: calc.fail's reply has headers");
  check(
    m.headers?.get(ServiceErrorHeader) === "bad input: oops 42",
    "b: Nats-Service-Error is the handler's error text",
    m.headers?.get(ServiceErrorHeader),
  );
  check(
    m.headers?.get(ServiceErrorCodeHeader) === "400",
    "b: Nats-Service-Error-Code is 400",
    m.headers?.get(ServiceErrorCodeHeader),
  );
  const se = ServiceError.toServiceError(m);
  check(se?.code === 400 && se?.message === "bad input: oops 42", "b: ServiceError.toServiceError", se && { code: se.code, message: se.message });
  check(m.data.length === 0, "b: calc.fail's reply has no body", m.data.length);
}

// ---- scenario c: our client calls a JS service ---------------------------

function runProgram(exe, args) {
  return new Promise((resolve) => {
    const p = spawn(exe, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code, sig) => resolve({ code, sig, out }));
  });
}

async function scenarioC(nc, clientExe, url) {
  const srv = await new Svcm(nc).add({
    name: "js_svc",
    version: "3.0.0",
    description: "@nats-io/services side of the interop test",
    metadata: { lang: "js" },
  });
  const g = srv.addGroup("js");
  g.addEndpoint("echo", (err, msg) => {
    if (err) return;
    msg.respond(bytes("js:", msg.data));
  });
  g.addEndpoint("fail", (err, msg) => {
    if (err) return;
    msg.respondError(503, `js is unavailable: ${msg.string()}`);
  });
  await nc.flush();

  const r = await runProgram(clientExe, [url]);
  process.stdout.write(r.out.split("\n").filter((l) => l).map((l) => `client: ${l}\n`).join(""));
  check(r.code === 0 && r.out.split("\n").includes("OK"), "c: the C client's checks pass", { code: r.code, sig: r.sig });

  // The calls reached this service: three echoes, one failure.
  const st = await srv.stats();
  const eps = byName(st.endpoints);
  check(eps.echo?.num_requests === 3, "c: js.echo was called three times", eps.echo?.num_requests);
  check(eps.fail?.num_requests === 1, "c: js.fail was called once", eps.fail?.num_requests);
  await srv.stop();
}

// ---- main ----------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const nc = await connect({ servers: args.url });
  try {
    if (args.scenarios.has("a") || args.scenarios.has("b")) {
      const svc = new CService(args.service, args.url);
      try {
        const ids = await svc.ready();
        if (args.scenarios.has("b")) await scenarioB(nc);
        if (args.scenarios.has("a")) await scenarioA(nc, ids);
      } finally {
        await svc.stop();
      }
    }
    if (args.scenarios.has("c")) await scenarioC(nc, args.client, args.url);
  } finally {
    await nc.close();
  }
  if (failures.length === 0) {
    console.log("OK");
  } else {
    console.log(`${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.log(`FAIL ${err?.stack ?? err}`);
  process.exitCode = 1;
});
