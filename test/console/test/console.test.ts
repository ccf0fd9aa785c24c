import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRun,
  OPERATOR_TOKEN,
  runPhase,
  type Server,
  startServer,
  VIEWER_TOKEN,
} from "../src/server.js";

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "../artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let server: Server;
let browser: Browser;
let operator: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
const runs: Record<string, string> = {};

async function signIn(context: BrowserContext, token: string): Promise<Page> {
  const p = await context.newPage();
  p.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  p.on("dialog", (d) => void d.accept());
  await p.goto(`${server.base}/ui/login`);
  await p.getByLabel("API token").fill(token);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL(/\/ui\/runs/);
  return p;
}

const shot = (p: Page, name: string) =>
  p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const row = (p: Page, id: string) => p.locator(`tr[data-run-id="${id}"]`);

/**
 * Clicks a run's link and waits for its page. The live list re-renders rows as runs move, so a click
 * can land on a row being replaced: a user clicks again, and so does the test (at most three times).
 */
async function openRun(p: Page, link: ReturnType<Page["locator"]>, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await link.click();
    try {
      await p.waitForURL(`**/ui/runs/${id}`, { timeout: 20_000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  operator = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // a loaded 2-core machine: pages and actions get time (a failure still fails, only later)
  operator.setDefaultTimeout(60_000);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the operator console in a real browser against npm start", () => {
  it("sends a visitor without a token to the login form and refuses a wrong token", async () => {
    const p = await operator.newPage();
    const res = await p.goto(`${server.base}/ui/runs?phase=Failed`);
    expect(p.url()).toBe(`${server.base}/ui/login?next=${encodeURIComponent("/ui/runs?phase=Failed")}`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await p.getByLabel("API token").fill("not-a-token-of-this-server");
    await p.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => p.getByRole("alert").textContent()).toContain("not valid");
    // nothing behind the login without the cookie: fragments, streams and actions answer 401
    for (const path of ["/ui/runs/rows", "/ui/queues", "/ui/events"]) {
      const r = await fetch(`${server.base}${path}`, { headers: { "x-console": "1" }, redirect: "manual" });
      expect(r.status, path).toBe(401);
    }
    await p.close();
  });

  it("signs an operator in with an HttpOnly, Secure, SameSite=Strict cookie and shows runs created over the API live", async () => {
    page = await signIn(operator, OPERATOR_TOKEN);
    const [cookie] = await operator.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/ui" });
    await expect.poll(() => page.locator("#live-status").textContent()).toBe("Live");

    runs.failing = await createRun(server.base, "app", 1);
    runs.slow = await createRun(server.base, "slow-api", 2);
    // no reload: the rows arrive over the SSE stream
    await expect.poll(() => row(page, runs.failing!).count()).toBe(1);
    await expect.poll(() => row(page, runs.slow!).count()).toBe(1);
    await expect.poll(() => row(page, runs.failing!).locator(".phase").textContent()).toBe("Failed");
    await expect.poll(() => row(page, runs.slow!).locator(".phase").textContent()).toBe("Running");
    await expect(row(page, runs.slow!).textContent()).resolves.toContain("acme/slow-api");
    await expect(row(page, runs.slow!).textContent()).resolves.toContain("PM/API (ops)");
    await shot(page, "runs");
  });

  it("filters by phase and text, keeping the filters in the URL", async () => {
    await page.getByLabel("Phase").selectOption("Failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/phase=Failed/);
    await expect.poll(() => row(page, runs.failing!).count()).toBe(1);
    expect(await row(page, runs.slow!).count()).toBe(0);

    await page.goto(`${server.base}/ui/runs?q=slow-api`);
    await expect(page.getByLabel("Text").inputValue()).resolves.toBe("slow-api");
    expect(await row(page, runs.slow!).count()).toBe(1);
    expect(await row(page, runs.failing!).count()).toBe(0);
    await shot(page, "runs-filtered");
  });

  it("opens a run, follows its log and cancels it after confirming", async () => {
    await openRun(page, row(page, runs.slow!).getByRole("link", { name: runs.slow! }), runs.slow!);
    await page.getByRole("button", { name: "Follow log" }).click();
    await expect.poll(() => page.locator("#log").textContent()).toMatch(/fake git: receiving objects \d+/);
    await expect(page.locator(".timeline").textContent()).resolves.toContain(
      "agent running as local process",
    );
    await page.locator("details.file summary", { hasText: "container.sh" }).click();
    await expect(page.locator("details.file[open] pre").textContent()).resolves.toContain("#!/");
    await shot(page, "run-following-log");

    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForURL(/notice=/);
    await expect.poll(() => runPhase(server.base, runs.slow!)).toBe("Cancelled");
    await expect.poll(() => page.locator("#run-summary").getAttribute("data-phase")).toBe("Cancelled");
    await expect(page.locator(".timeline").textContent()).resolves.toContain(
      "cancelled by ops via the console",
    );
    // the buttons follow the phase: a finished run offers Retry instead of Cancel
    await expect.poll(() => page.getByRole("button", { name: "Cancel" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(1);
  });

  it("retries a failed run as a new attempt linked both ways", async () => {
    await page.goto(`${server.base}/ui/runs/${runs.failing}`);
    await page.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL(
      (url) => !url.pathname.endsWith(runs.failing!) && url.pathname.startsWith("/ui/runs/run-"),
    );
    const retryId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
    await expect(page.locator(".chain").textContent()).resolves.toContain(`Retry of ${runs.failing}`);
    await expect(page.locator("#run-summary .facts").first().textContent()).resolves.toMatch(/Attempt\s*2/);
    await page.getByRole("link", { name: runs.failing! }).click();
    await expect.poll(() => page.locator(".chain").textContent()).toContain(`Retried by ${retryId}`);
    await shot(page, "run-retried");
  });

  it("works from the keyboard: skip link first, filters submit with Enter", async () => {
    await page.goto(`${server.base}/ui/runs`);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.getByLabel("Text").focus();
    await page.keyboard.type("slow-api");
    await page.keyboard.press("Enter");
    await page.waitForURL(/q=slow-api/);
    expect(await row(page, runs.slow!).count()).toBe(1);
  });

  it("shows the queues by state with failed jobs", async () => {
    await page.goto(`${server.base}/ui/queues`);
    for (const queue of ["render", "dispatch", "control"])
      expect(await page.locator(`tr[data-queue="${queue}"]`).count()).toBe(1);
    await expect(page.getByRole("heading", { name: "Failed jobs: render" }).count()).resolves.toBe(1);
    await shot(page, "queues");
  });

  it("refuses actions without the session's form token or from another origin", async () => {
    const cookie = (await operator.cookies())[0]!;
    const target = await createRun(server.base, "slow-web", 3);
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${server.base}/ui/runs/${target}/cancel`, {
        method: "POST",
        headers: {
          cookie: `${cookie.name}=${cookie.value}`,
          "content-type": "application/x-www-form-urlencoded",
          ...headers,
        },
        body,
        redirect: "manual",
      });
    expect((await post({ origin: server.base }, "")).status).toBe(403);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    expect((await post({ origin: "https://evil.example" }, `_csrf=${csrf}`)).status).toBe(403);
    expect(await runPhase(server.base, target)).not.toBe("Cancelled");
    runs.viewerTarget = target;
  });

  it("lets a viewer look but not cancel: no button, and the POST is refused", async () => {
    const viewer = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const p = await signIn(viewer, VIEWER_TOKEN);
    await expect.poll(() => row(p, runs.viewerTarget!).count()).toBe(1);
    await shot(p, "runs-phone-viewer");
    // the phone layout scrolls the table, not the page
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.goto(`${server.base}/ui/runs/${runs.viewerTarget}`);
    await expect.poll(() => p.locator("#run-summary").getAttribute("data-phase")).toBe("Running");
    expect(await p.getByRole("button", { name: "Cancel" }).count()).toBe(0);
    expect(await p.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await expect(p.locator(".note").first().textContent()).resolves.toContain("Viewers cannot");
    const csrf = await p.locator('input[name="_csrf"]').first().inputValue();
    const refused = await p.request.post(`${server.base}/ui/runs/${runs.viewerTarget}/cancel`, {
      form: { _csrf: csrf },
      headers: { origin: server.base },
    });
    expect(refused.status()).toBe(403);
    expect(await runPhase(server.base, runs.viewerTarget!)).toBe("Running");
    await viewer.close();
    expect(cspViolations).toEqual([]);
  });
});
