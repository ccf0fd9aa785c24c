import { generateKeyPairSync } from "node:crypto";
import { createGithubClient, type GithubOctokit } from "@orchestrator/github";
import { Counter, Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAST_GITHUB, type FakeDelivery, type FakeGithub, startFakeGithub } from "../../test/fake-github.js";
import { type RedisContext, redisContext } from "../../test/redis-context.js";
import { redeliverFailedDeliveries } from "./redeliver-failed.js";

let github: FakeGithub;
let ctx: RedisContext;
let app: GithubOctokit;
let registry: Registry;
let redelivered: Counter;
beforeEach(async () => {
  github = await startFakeGithub();
  ctx = await redisContext("ghredeliver");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  app = createGithubClient({
    apiUrl: github.url,
    auth: { appId: "123", privateKey: pem },
    userAgent: "t",
    ...FAST_GITHUB,
  }).app as GithubOctokit;
  registry = new Registry();
  redelivered = new Counter({
    name: "orchestrator_github_redelivered_total",
    help: "h",
    registers: [registry],
  });
});
afterEach(async () => {
  await github.stop();
  await ctx.cleanup();
});

const ago = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();
const delivery = (
  id: number,
  guid: string,
  status_code: number,
  hoursAgo: number,
  redelivery = false,
): FakeDelivery => ({
  id,
  guid,
  delivered_at: ago(hoursAgo),
  redelivery,
  status: status_code === 202 ? "OK" : "Invalid HTTP Response: 502",
  status_code,
  event: "issues",
  action: "labeled",
});

describe("missed-delivery reconciliation", () => {
  it("redelivers each failed delivery inside GitHub's window once, and nothing that already got through", async () => {
    github.deliveries.push(
      delivery(6, "b-guid", 202, 1, true), // B failed, then a redelivery succeeded
      delivery(5, "a-guid", 502, 2), // A: failed while the ingress was down
      delivery(4, "b-guid", 502, 3),
      delivery(3, "c-guid", 202, 4), // C: fine
      delivery(2, "d-guid", 0, 5), // D: no answer at all (timeout)
      delivery(1, "e-guid", 502, 80), // E: failed, outside the 3-day window
    );
    const options = { app, redis: ctx.redis, keyPrefix: ctx.prefix, redelivered };
    expect(await redeliverFailedDeliveries(options)).toBe(2);
    expect(github.redeliveries.sort()).toEqual([2, 5]);
    // the next pass (or another replica) does not ask again
    expect(await redeliverFailedDeliveries(options)).toBe(0);
    expect(github.redeliveries).toHaveLength(2);
    expect(await registry.metrics()).toContain("orchestrator_github_redelivered_total 2");
    // every call was made as the App (JWT), never with an installation token
    const calls = github.requests.filter((r) => r.path.startsWith("/app/hook/"));
    for (const call of calls) expect(call.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("asks again on a later pass when GitHub refused the redelivery", async () => {
    github.deliveries.push(delivery(5, "a-guid", 502, 2));
    const options = { app, redis: ctx.redis, keyPrefix: ctx.prefix, redelivered };
    github.failNext(422, 1, {}, "Validation Failed", "/attempts");
    await expect(redeliverFailedDeliveries(options)).rejects.toMatchObject({ status: 422 });
    expect(await redeliverFailedDeliveries(options)).toBe(1);
    expect(github.redeliveries).toEqual([5]);
  });

  it("asks again after the gap when the redelivery failed too (receiver still down), up to maxAttempts", async () => {
    const options = {
      app,
      redis: ctx.redis,
      keyPrefix: ctx.prefix,
      redelivered,
      retryGapMs: 1,
      maxAttempts: 2,
    };
    github.deliveries.push(delivery(5, "a-guid", 0, 2));
    expect(await redeliverFailedDeliveries(options)).toBe(1);
    github.deliveries.unshift(delivery(7, "a-guid", 0, 1, true)); // the redelivery failed to connect
    await new Promise((r) => setTimeout(r, 20)); // past the 1 ms gap
    expect(await redeliverFailedDeliveries(options)).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await redeliverFailedDeliveries(options)).toBe(0); // maxAttempts reached
    // always the original delivery
    expect(github.redeliveries).toEqual([5, 5]);
  });
});
