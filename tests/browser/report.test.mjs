// The browser test (scripts/test.sh, "browser test"): loads a lesson's report.html from disk
// in Debian's Chromium, headless, through playwright-core, and checks what a person would see:
// no console or page errors, the animated cluster advances when played, clicking a task shows
// its placement explanation, a screenshot is not blank, and the page asks nothing of the
// network (every request is routed; only the file:// page itself is let through).
//
//   ECSIM_REPORT=results/x/report.html node --test report.test.mjs
//
// ECSIM_CHROMIUM overrides the browser (default /usr/bin/chromium).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const reportPath = resolve(process.env.ECSIM_REPORT || "");
const executablePath = process.env.ECSIM_CHROMIUM || "/usr/bin/chromium";
const pageUrl = pathToFileURL(reportPath).href;

let browser, page;
const problems = []; // console errors, page errors, failed loads
const blocked = []; // requests for anything but the page itself

before(async () => {
  assert.ok(process.env.ECSIM_REPORT && existsSync(reportPath), `no report at ${reportPath} (set ECSIM_REPORT)`);
  assert.ok(existsSync(executablePath), `no browser at ${executablePath} (apt-get install chromium, or set ECSIM_CHROMIUM)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    if (req.url() !== pageUrl) problems.push(`request failed: ${req.url()}`);
  });
  await page.goto(pageUrl, { waitUntil: "load" });
});

after(async () => {
  await browser?.close();
});

test("the page's HTML loads nothing over the network", () => {
  const html = readFileSync(reportPath, "utf8");
  const loads = html.match(/\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\/[^"'\s>]*/gi) || [];
  assert.deepEqual(loads, [], "src/href attributes that load from the network");
  const cssLoads = html.match(/(?:url\(\s*["']?\s*(?:https?:)?\/\/|@import)[^)"';]*/gi) || [];
  assert.deepEqual(cssLoads, [], "style sheets that load from the network");
});

test("the cluster is drawn: zones, instances, tasks and a legend", async () => {
  assert.ok((await page.locator(".ecl-zone").count()) >= 1, "no zone column");
  assert.ok((await page.locator(".ecl-inst:visible").count()) >= 1, "no instance visible at t = 0");
  assert.ok((await page.locator(".ecl-cell[data-task]:visible").count()) >= 1, "no task visible at t = 0");
  const legend = await page.locator("#ecl-legend").innerText();
  for (const word of ["PENDING", "RUNNING", "healthy", "DRAINING", "STOPPING"]) assert.ok(legend.includes(word), `legend lacks ${word}`);
});

test("pressing play advances the animation", async () => {
  const label = page.locator("#ecl-time");
  const before = await label.innerText();
  const scrubBefore = Number(await page.locator("#ecl-scrub").inputValue());
  await page.click("#ecl-play");
  await page.waitForFunction((text) => document.getElementById("ecl-time").textContent !== text, before, { timeout: 10_000 });
  await page.waitForTimeout(1500);
  await page.click("#ecl-play"); // pause
  const scrubAfter = Number(await page.locator("#ecl-scrub").inputValue());
  assert.ok(scrubAfter > scrubBefore, `time did not move: ${scrubBefore} → ${scrubAfter}`);
  assert.notEqual(await label.innerText(), before);
});

test("the rest of the page moves the cluster through the ecsim:time event, and hears it back", async () => {
  const heard = await page.evaluate(() => {
    const got = [];
    document.addEventListener("ecsim:time", (e) => got.push(e.detail.t_s));
    document.dispatchEvent(new CustomEvent("ecsim:time", { detail: { t_s: 700 } }));
    const label = document.getElementById("ecl-time").textContent;
    const scrub = document.getElementById("ecl-scrub");
    scrub.value = "30";
    scrub.dispatchEvent(new Event("input"));
    return { label, got };
  });
  assert.ok(heard.label.startsWith("0:11:40"), `label after ecsim:time 700: ${heard.label}`);
  assert.deepEqual(heard.got, [700, 30], "scrubbing announces the new time");
});

test("clicking a task shows its history and placement explanation", async () => {
  await page.locator(".ecl-cell[data-task]:visible").first().click();
  const text = await page.locator("#ecl-detail").innerText();
  assert.match(text, /Task t-\d+/);
  assert.match(text, /instances passed filters/, `no placement explanation in: ${text}`);
  assert.match(text, /RUNNING/);
});

test("a screenshot of the cluster is not blank", async () => {
  const png = await page.locator("#cluster").screenshot();
  // Decoded by the browser itself, in a blank page of its own (a data: URL loads nothing).
  const blank = await page.context().newPage();
  const stats = await blank.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    const colours = new Set();
    let nonWhite = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] < 245 || px[i + 1] < 245 || px[i + 2] < 245) nonWhite++;
      colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    }
    return { width: img.width, height: img.height, colours: colours.size, nonWhitePct: (100 * nonWhite) / (px.length / 4) };
  }, png.toString("base64"));
  await blank.close();
  assert.ok(stats.width > 300 && stats.height > 200, `screenshot ${stats.width}×${stats.height}`);
  assert.ok(stats.colours >= 20, `only ${stats.colours} distinct colours`);
  assert.ok(stats.nonWhitePct >= 5, `only ${stats.nonWhitePct.toFixed(1)} % of pixels are not white`);
  console.log(`screenshot ${stats.width}×${stats.height}: ${stats.colours} colours, ${stats.nonWhitePct.toFixed(1)} % not white`);
});

test("no console errors, no page errors, no network requests", () => {
  assert.deepEqual(problems, []);
  assert.deepEqual(blocked, [], "requests the page made beyond its own file");
});
