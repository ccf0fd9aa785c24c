import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KubeSim } from "../src/index.js";
import { startFastSim, waitFor } from "./helpers.js";
import { HAS_KUBECTL, type Kubectl, kubectlFor, ok } from "./kubectl.js";

const CRD = new URL("./fixtures/widgets-crd.yaml", import.meta.url).pathname;

const widget = (name: string, size: number, extra = "") => `apiVersion: conformance.kube-sim.test/v1
kind: Widget
metadata:
  name: ${name}
spec:
  size: ${size}
${extra}`;

const job = (name: string, outcome: object) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        kube-sim/outcome: '${JSON.stringify(outcome)}'
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.36
`;

let sim: KubeSim;
let kubectl: Kubectl;
const run = (...args: string[]) => ok(kubectl, args);

/** A table printed by kubectl as rows of cells keyed by header. */
function table(out: string): Record<string, string>[] {
  const [header = "", ...lines] = out.trim().split("\n");
  const names = header.split(/\s{2,}/);
  return lines.map((l) => Object.fromEntries(l.split(/\s{2,}/).map((c, i) => [names[i] ?? String(i), c])));
}

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", "conf"] });
  kubectl = await kubectlFor(sim, "conf");
});
afterAll(() => sim?.stop());

describe.skipIf(!HAS_KUBECTL)("real kubectl against kube-sim", () => {
  it("apply -f of a CRD and its objects with client-side validation on, then unchanged on re-apply", async () => {
    expect(await run("apply", "-f", CRD)).toContain("widgets.conformance.kube-sim.test created");
    await run(
      "wait",
      "--for=condition=Established",
      "crd/widgets.conformance.kube-sim.test",
      "--timeout=60s",
    );
    expect(await ok(kubectl, ["apply", "-f", "-"], widget("alpha", 3))).toContain(
      "widget.conformance.kube-sim.test/alpha created",
    );
    expect(await ok(kubectl, ["apply", "-f", "-"], widget("alpha", 3))).toContain("unchanged");
  });

  it("get shows the CRD's printer columns; -o yaml shows defaults", async () => {
    const rows = table(await run("get", "widgets"));
    expect(rows).toEqual([expect.objectContaining({ NAME: "alpha", SIZE: "3", COLOR: "blue" })]);
    const obj = parse(await run("get", "widget", "alpha", "-o", "yaml")) as { spec: Record<string, unknown> };
    expect(obj.spec).toEqual({ size: 3, maxSize: 10, color: "blue" });
  });

  it("patch: merge, json and the status subresource", async () => {
    await run("patch", "widget", "alpha", "--type", "merge", "-p", '{"spec":{"color":"red"}}');
    await run(
      "patch",
      "widget",
      "alpha",
      "--type",
      "json",
      "-p",
      '[{"op":"replace","path":"/spec/size","value":5}]',
    );
    const cond = '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}';
    await run("patch", "widget", "alpha", "--subresource", "status", "--type", "merge", "-p", cond);
    expect(table(await run("get", "wd", "alpha"))[0]).toMatchObject({
      SIZE: "5",
      COLOR: "red",
      READY: "True",
    });
    // A status patch through the main resource is ignored, as with a real status subresource.
    await run("patch", "widget", "alpha", "--type", "merge", "-p", '{"status":{"conditions":[]}}');
    expect(await run("get", "widget", "alpha", "-o", "jsonpath={.status.conditions[0].status}")).toBe("True");
  });

  it("replace -f and edit go through the OpenAPI-backed validation", async () => {
    const live = await run("get", "widget", "alpha", "-o", "yaml");
    await ok(kubectl, ["replace", "-f", "-"], live.replace("size: 5", "size: 6"));
    expect(await run("get", "widget", "alpha", "-o", "jsonpath={.spec.size}")).toBe("6");
    const edited = await kubectl(["edit", "widget", "alpha"], undefined, {
      EDITOR: "sed -i -e 's/size: 6/size: 5/'",
    });
    expect(edited.code, edited.stderr).toBe(0);
    expect(await run("get", "widget", "alpha", "-o", "jsonpath={.spec.size}")).toBe("5");
  });

  it("label and select by label", async () => {
    await ok(kubectl, ["apply", "-f", "-"], widget("beta", 1));
    await run("label", "widget", "beta", "tier=gold");
    expect((await run("get", "widgets", "-l", "tier=gold", "-o", "name")).trim()).toBe(
      "widget.conformance.kube-sim.test/beta",
    );
  });

  it("a CEL rule of the CRD rejects an invalid object with the rule's message", async () => {
    const r = await kubectl(["apply", "-f", "-"], widget("gamma", 50));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("size must not exceed maxSize");
  });

  it("explain reads the CRD schema", async () => {
    const out = await run("explain", "widget.spec.color");
    expect(out).toContain("<string>");
    expect(out).toContain("The widget's paint.");
    expect(await run("explain", "widgets")).toContain("A Widget exercises kube-sim through kubectl.");
  });

  it("server-side apply records the field manager and merges with other managers", async () => {
    await ok(kubectl, ["apply", "--server-side", "--field-manager=tool-a", "-f", "-"], widget("delta", 2));
    await ok(
      kubectl,
      ["apply", "--server-side", "--field-manager=tool-b", "-f", "-"],
      `apiVersion: conformance.kube-sim.test/v1
kind: Widget
metadata:
  name: delta
  labels: {owner: b}
spec:
  size: 2
  color: green
`,
    );
    const obj = parse(await run("get", "widget", "delta", "-o", "yaml", "--show-managed-fields")) as {
      metadata: { labels: Record<string, string>; managedFields: { manager: string; operation: string }[] };
      spec: Record<string, unknown>;
    };
    expect(obj.spec).toMatchObject({ size: 2, color: "green" });
    expect(obj.metadata.labels).toEqual({ owner: "b" });
    const managers = obj.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toEqual(expect.arrayContaining(["tool-a/Apply", "tool-b/Apply"]));
    // tool-a now changing the color tool-b set is a conflict unless forced.
    const conflict = await kubectl(
      ["apply", "--server-side", "--field-manager=tool-a", "-f", "-"],
      widget("delta", 2, "  color: pink\n"),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/conflict/i);
    await ok(
      kubectl,
      ["apply", "--server-side", "--force-conflicts", "--field-manager=tool-a", "-f", "-"],
      widget("delta", 2, "  color: pink\n"),
    );
    expect(await run("get", "widget", "delta", "-o", "jsonpath={.spec.color}")).toBe("pink");
  });

  it("jobs: wait for completion, pod columns, logs", async () => {
    await ok(kubectl, ["apply", "-f", "-"], job("hello", { logs: ["hello", "world"], durationMs: 50 }));
    await run("wait", "--for=condition=complete", "job/hello", "--timeout=60s");
    const pods = table(await run("get", "pods", "-l", "job-name=hello"));
    expect(pods).toEqual([expect.objectContaining({ READY: "0/1", STATUS: "Completed", RESTARTS: "0" })]);
    expect(table(await run("get", "jobs", "hello"))[0]).toMatchObject({
      STATUS: "Complete",
      COMPLETIONS: "1/1",
    });
    expect(await run("logs", "job/hello")).toBe("hello\nworld\n");
  });

  it("delete: server dry run keeps, foreground removes dependents first, orphan keeps them", async () => {
    await ok(kubectl, ["apply", "-f", "-"], job("fg", { hang: true }));
    await ok(kubectl, ["apply", "-f", "-"], job("orphaned", { hang: true }));
    const podOf = (j: string) =>
      waitFor(
        async () => (await run("get", "pods", "-l", `job-name=${j}`, "-o", "name")).trim(),
        `${j}'s pod`,
      );
    const fgPod = await podOf("fg");
    const orphanPod = await podOf("orphaned");

    expect(await run("delete", "job", "fg", "--dry-run=server")).toContain("(server dry run)");
    expect(await run("get", "job", "fg", "-o", "name")).toContain("job.batch/fg");

    await run("delete", "job", "fg", "--cascade=foreground", "--timeout=60s");
    expect((await kubectl(["get", fgPod])).stderr).toContain("NotFound");
    expect((await kubectl(["get", "job", "fg"])).stderr).toContain("NotFound");

    await run("delete", "job", "orphaned", "--cascade=orphan");
    await waitFor(
      async () => (await kubectl(["get", "job", "orphaned"])).stderr.includes("NotFound"),
      "job gone",
    );
    const pod = parse(await run("get", orphanPod, "-o", "yaml")) as {
      metadata: { ownerReferences?: unknown[] };
    };
    expect(pod.metadata.ownerReferences ?? []).toEqual([]);
  });

  // `kubectl auth can-i` (incl. --list, --subresource, --as) and `auth whoami` need the RBAC sim:
  // they run through the real kubectl in test/rbac/kubectl-auth.test.ts.
});
