// Runs the official Cedar build (@cedar-policy/cedar-wasm, pinned in
// package.json) on the workloads exported by `bench_cedar --export DIR`: the
// same policy text, entities JSON and requests. Checks that every request gets
// the decision, reasons and errors Domicile's engine reached (exit status 1
// otherwise), then prints median / p99 latency and decisions/s next to
// Domicile's figures from the same run (DIR/<workload>/cpp.json) and the ratio.
//
//   node bench.mjs DIR [rounds]
//
// cedar-wasm takes the entities with every call (there is no way to load them
// once), so two figures are given: `statefulIsAuthorized` with the policy set
// parsed once (its fastest path), and `isAuthorized` with everything per call.
// The ratios are cedar-wasm's stateful median and CPU time per decision over
// Domicile's (CPU time is the fairer one on a busy machine: a long call is
// preempted more often); the last column compares cedar-wasm with Domicile
// also parsing the entities JSON per request.
// Each call is timed individually with process.hrtime.bigint(), after as many
// untimed warm-up rounds (V8 compiles the wasm in tiers; the first calls are
// 10x slower).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cedar = require("@cedar-policy/cedar-wasm/nodejs");

const dir = process.argv[2];
const rounds = Number(process.argv[3] ?? 20);
if (!dir) {
  console.error("usage: node bench.mjs DIR [rounds]");
  process.exit(2);
}

function measure(requests, n, decide) {
  const ns = [];
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let r = 0; r < n; r++) {
    for (const req of requests) {
      const t0 = process.hrtime.bigint();
      decide(req);
      ns.push(Number(process.hrtime.bigint() - t0));
    }
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  ns.sort((a, b) => a - b);
  return {
    median: ns[ns.length >> 1],
    p99: ns[Math.floor((ns.length * 99) / 100)],
    perSec: ns.length / totalS,
    cpuNs: ((used.user + used.system) * 1000) / ns.length,
  };
}

const sorted = (xs) => [...xs].sort().join(",");

console.log(`cedar-wasm ${cedar.getCedarVersion()} (node ${process.version}), ${rounds} rounds`);
console.log(
  "workload          | domicile median / p99 ns  cpu ns | cedar-wasm stateful median / p99 ns  cpu ns" +
    " | ratio median, cpu | cedar-wasm isAuthorized median ns | domicile parsing entities per request: median ns, ratio",
);
let mismatches = 0;
for (const name of readdirSync(dir).sort()) {
  const at = (f) => join(dir, name, f);
  const policies = readFileSync(at("policies.cedar"), "utf8");
  const entities = JSON.parse(readFileSync(at("entities.json"), "utf8"));
  const requests = JSON.parse(readFileSync(at("requests.json"), "utf8"));
  const cpp = JSON.parse(readFileSync(at("cpp.json"), "utf8"));

  const prepared = cedar.preparsePolicySet(name, { staticPolicies: policies });
  if (prepared.type !== "success") throw new Error(`${name}: ${JSON.stringify(prepared.errors)}`);
  const call = (req) => ({
    principal: req.principal,
    action: req.action,
    resource: req.resource,
    context: req.context,
    entities,
  });
  const stateful = (req) => cedar.statefulIsAuthorized({ ...call(req), preparsedPolicySetId: name });
  const oneShot = (req) => cedar.isAuthorized({ ...call(req), policies: { staticPolicies: policies } });

  for (const req of requests) {
    for (const answer of [stateful(req), oneShot(req)]) {
      if (answer.type !== "success") throw new Error(`${name}: ${JSON.stringify(answer.errors)}`);
      const { decision, diagnostics } = answer.response;
      const errors = diagnostics.errors.map((e) => e.policyId);
      if (
        decision !== req.decision ||
        sorted(diagnostics.reason) !== sorted(req.reasons) ||
        sorted(errors) !== sorted(req.errors)
      ) {
        mismatches++;
        console.error(
          `${name}: ${JSON.stringify(req)} -> cedar-wasm ${decision} reasons ${diagnostics.reason} errors ${errors}`,
        );
      }
    }
  }

  measure(requests, rounds, stateful);
  const s = measure(requests, rounds, stateful);
  measure(requests, Math.max(1, rounds >> 2), oneShot);
  const o = measure(requests, Math.max(1, rounds >> 2), oneShot);
  const cell = (m, p, c) => `${m.toFixed(0).padStart(10)} / ${p.toFixed(0).padStart(9)} ${c.toFixed(0).padStart(8)}`;
  const ratio = (a, b) => `${(a / b).toFixed(0)}x`;
  console.log(
    `${name.padEnd(17)} | ${cell(cpp.median_ns, cpp.p99_ns, cpp.cpu_ns)} | ${cell(s.median, s.p99, s.cpuNs).padStart(42)}` +
      ` | ${`${ratio(s.median, cpp.median_ns)}, ${ratio(s.cpuNs, cpp.cpu_ns)}`.padStart(17)}` +
      ` | ${o.median.toFixed(0).padStart(33)}` +
      ` | ${cpp.entities_per_request_median_ns.toFixed(0).padStart(10)} ${(s.median / cpp.entities_per_request_median_ns).toFixed(1).padStart(6)}x`,
  );
}
console.log(
  mismatches === 0
    ? "decisions, reasons and errors: identical on every request"
    : `${mismatches} answers differ from Domicile's`,
);
process.exit(mismatches === 0 ? 0 : 1);
