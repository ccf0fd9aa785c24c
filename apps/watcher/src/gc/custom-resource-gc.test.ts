import { runObjectNames } from "@orchestrator/kube";
import { describe, expect, it } from "vitest";
import { codeRequest, docsRequest } from "../../test/fixtures/runs.js";
import { dispatcherCustomResourceName } from "./custom-resource-gc.js";

describe("dispatcherCustomResourceName", () => {
  it("is the name the dispatcher gives a run's CR", () => {
    for (const request of [codeRequest(), docsRequest()]) {
      const run = { id: "run-01jq5x8r0000000000abcdefgh", kind: request.kind, request };
      expect(dispatcherCustomResourceName(run.kind, run.id)).toBe(runObjectNames(run).customResource);
    }
  });
});
