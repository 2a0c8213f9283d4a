// Drives Debian's chromium through Steady's chat widget, against running Steady servers.
// Run by tests/integration/test_webchat_browser.py, which starts the servers and reads the results.
//
//   STEADY_WEB_URL=http://127.0.0.1:8000 STEADY_ARTIFACTS=../artifacts/webchat \
//   STEADY_EXPECT='{"gb_contacts": ["116 123"]}' node webchat.mjs [check ...]
//
// Writes <artifacts>/results.json ([{name, ok, ms, error}]) and screenshots; exits 1 if a check failed.
import { chromium } from "playwright-core";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const WEB = process.env.STEADY_WEB_URL;
const ARTIFACTS = process.env.STEADY_ARTIFACTS || "artifacts";
const EXPECT = JSON.parse(process.env.STEADY_EXPECT || "{}");
const REPLY_MS = 60_000;
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const XSS = "<img src=x onerror=alert(1)>";

// -- small helpers

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name) });
}

async function logText(page) {
  return page.evaluate(() => document.querySelector(".steady-widget").shadowRoot.querySelector(".log").textContent);
}

async function waitForLog(page, text) {
  await page.waitForFunction(
    (wanted) => {
      const root = document.querySelector(".steady-widget")?.shadowRoot;
      return Boolean(root) && root.querySelector(".log").textContent.includes(wanted);
    },
    text,
    { timeout: REPLY_MS },
  );
}

async function waitForAny(page, texts) {
  await page.waitForFunction(
    (wanted) => {
      const root = document.querySelector(".steady-widget")?.shadowRoot;
      return Boolean(root) && wanted.some((text) => root.querySelector(".log").textContent.includes(text));
    },
    texts,
    { timeout: REPLY_MS },
  );
}

function button(page, name) {
  return page.getByRole("button", { name, exact: true });
}

async function type(page, words) {
  await page.getByRole("textbox", { name: "Your message" }).fill(words);
  await page.keyboard.press("Enter");
}

async function focused(page) {
  return page.evaluate(() => {
    let element = document.activeElement;
    while (element && element.shadowRoot && element.shadowRoot.activeElement) element = element.shadowRoot.activeElement;
    if (!element) return null;
    const style = getComputedStyle(element);
    return {
      tag: element.tagName.toLowerCase(),
      name: (element.getAttribute("aria-label") || element.textContent || "").trim(),
      outlineStyle: style.outlineStyle,
      outlineWidth: style.outlineWidth,
    };
  });
}

async function circleWidth(page) {
  return page.locator(".pacer-circle").evaluate((circle) => circle.getBoundingClientRect().width);
}

async function greeted(page) {
  await waitForLog(page, "automated assistant");
  await button(page, "Anxious or panicky").waitFor({ timeout: REPLY_MS });
}

async function startBreathing(page) {
  await greeted(page);
  await button(page, "Anxious or panicky").click();
  await button(page, "Breathing (box or 4-7-8)").click();
  await button(page, "7").click();
  await button(page, "Box (4-4-4-4)").click();
  await button(page, "3 rounds").click();
  await page.locator(".pacer").waitFor({ timeout: REPLY_MS });
}

// -- the checks; each gets a fresh browser context unless it continues another's page

const shared = {};

const checks = {
  async breathing_exercise_with_the_pacer(browser) {
    const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(REPLY_MS);
    const page = await context.newPage();
    shared.exercisePage = page;
    await page.goto(WEB + "/");
    await greeted(page);
    await shot(page, "01-greeting.png");
    await startBreathing(page);
    const pacer = page.locator(".pacer");
    check((await pacer.getAttribute("data-phase")) === "in", "the pacer starts with breathing in");
    check((await pacer.locator(".pacer-phase").textContent()) === "Breathe in", "the phase is said in words");
    check((await pacer.locator(".pacer-round").textContent()) === "Round 1 of 3", "the round is shown");
    check(/^[1-4]$/.test(await pacer.locator(".pacer-count").textContent()), "a countdown runs");
    const small = await circleWidth(page);
    await page.waitForTimeout(3200);
    const grown = await circleWidth(page);
    check(grown > small + 30, `the circle grows while breathing in (${small} -> ${grown})`);
    await shot(page, "02-pacer.png");
    await page.waitForFunction(() => document.querySelector(".steady-widget").shadowRoot
      .querySelector(".pacer").dataset.phase === "out", null, { timeout: 10_000 });
    const held = await circleWidth(page);
    check(Math.abs(held - grown) < 8, `the circle stays while holding (${grown} -> ${held})`);
    await page.waitForTimeout(3200);
    const shrunk = await circleWidth(page);
    check(shrunk < held - 30, `the circle shrinks while breathing out (${held} -> ${shrunk})`);
    await type(page, "done");
    await waitForLog(page, "How did that feel?");
    await type(page, "calmer");
    await button(page, "3").click();
    await button(page, "Talk to a person").waitFor();
    await shot(page, "03-exercise-done.png");
  },

  async reload_keeps_the_conversation(browser) {
    const page = shared.exercisePage;
    check(page, "needs the breathing exercise check first");
    const sessionBefore = await page.evaluate(() => localStorage.getItem("steady-session"));
    check(/^[0-9a-f]{64}$/.test(sessionBefore), "an unguessable session id is kept in localStorage");
    await page.reload();
    await waitForLog(page, "calmer");
    const text = await logText(page);
    for (const earlier of ["Anxious or panicky", "Box breathing (4-4-4-4), 3 rounds", "How did that feel?"]) {
      check(text.includes(earlier), `after a reload the conversation still shows "${earlier}"`);
    }
    check(text.split("automated assistant").length === 2, "no second greeting after a reload");
    check(await page.evaluate(() => localStorage.getItem("steady-session")) === sessionBefore, "same session");
    await button(page, "Talk to a person").waitFor({ timeout: 5000 });
    await shot(page, "04-after-reload.png");
    const stranger = await (await browser.newContext({ locale: "en-GB" })).newPage();
    await stranger.goto(WEB + "/");
    await greeted(stranger);
    check(!(await logText(stranger)).includes("calmer"), "another browser never sees this conversation");
  },

  async risk_message_shows_crisis_resources(browser) {
    const page = await (await browser.newContext({ locale: "en-GB" })).newPage();
    await page.goto(WEB + "/");
    await greeted(page);
    await type(page, "I've been thinking about killing myself");
    await waitForAny(page, EXPECT.gb_contacts);
    await shot(page, "05-crisis-resources.png");
  },

  async urgent_help_link_asks_for_a_person(browser) {
    const page = await (await browser.newContext({ locale: "en-GB" })).newPage();
    await page.goto(WEB + "/");
    await greeted(page);
    await button(page, "Need urgent help?").click();
    await waitForAny(page, EXPECT.gb_contacts);
    await waitForLog(page, "counselor");
    check((await page.locator(".msg.user").last().textContent()).includes("Need urgent help?"), "shown as sent");
  },

  async user_text_is_never_html_even_on_another_site(browser) {
    const site = http.createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html" });
      response.end(`<!doctype html><title>Another site</title><h1>Someone else's page</h1>
        <script src="${WEB}/widget.js" data-open="true" defer></script>`);
    });
    await new Promise((resolve) => site.listen(0, "127.0.0.1", resolve));
    try {
      const page = await (await browser.newContext({ locale: "en-GB" })).newPage();
      const dialogs = [];
      page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
      await page.goto(`http://127.0.0.1:${site.address().port}/`);
      await greeted(page);
      const countBefore = await page.locator(".msg.bot").count();
      await type(page, XSS);
      await page.waitForFunction((n) => document.querySelector(".steady-widget").shadowRoot
        .querySelectorAll(".msg.bot").length > n, countBefore, { timeout: REPLY_MS });
      const rendered = async () => page.evaluate(() => {
        const root = document.querySelector(".steady-widget").shadowRoot;
        return {
          images: document.querySelectorAll("img").length + root.querySelectorAll("img").length,
          said: [...root.querySelectorAll(".msg.user span:last-child")].map((span) => span.textContent),
        };
      });
      const live = await rendered();
      check(live.said.includes(XSS), "the text is shown exactly as typed");
      check(live.images === 0, "no element is created from the text");
      await page.reload();
      await waitForLog(page, XSS);
      const restored = await rendered();
      check(restored.images === 0, "no element is created from the history either (cross-origin history works)");
      await page.waitForTimeout(1000);
      check(dialogs.length === 0, `no dialog fires (${dialogs.join(", ")})`);
      await page.locator(".msg.user").last().scrollIntoViewIfNeeded();
      await shot(page, "06-xss-on-another-site.png");
    } finally {
      site.close();
    }
  },

  async keyboard_reaches_and_operates_every_control(browser) {
    const page = await (await browser.newContext({ locale: "en-GB" })).newPage();
    await page.goto(WEB + "/");
    await greeted(page);
    check(await page.getByRole("log", { name: "Conversation" }).getAttribute("aria-live") === "polite",
      "new messages are announced (aria-live region)");
    await page.getByRole("group", { name: "Choices" }).waitFor();
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const reached = [];
    for (let i = 0; i < 30; i += 1) {
      await page.keyboard.press("Tab");
      const now = await focused(page);
      reached.push(now);
      if (now.name === "Need urgent help?") await shot(page, "07-keyboard-focus.png");
    }
    const names = reached.map((element) => element.name);
    for (const control of ["Need urgent help?", "Close chat", "Anxious or panicky", "Send"]) {
      check(names.includes(control), `Tab reaches "${control}" (reached: ${[...new Set(names)].join(" / ")})`);
    }
    check(reached.some((element) => element.tag === "textarea"), "Tab reaches the message box");
    const urgent = reached.find((element) => element.name === "Need urgent help?");
    check(urgent.outlineStyle === "solid" && parseFloat(urgent.outlineWidth) >= 2, "keyboard focus is visible");
    await button(page, "Anxious or panicky").focus();
    await page.keyboard.press("Enter");
    await button(page, "Breathing (box or 4-7-8)").waitFor();
    check((await focused(page)).tag === "textarea", "after a choice, focus goes to the message box");
    await page.keyboard.type("hello there");
    await page.keyboard.press("Enter");
    await page.locator(".msg.user", { hasText: "hello there" }).waitFor();
    await page.keyboard.press("Escape");
    check((await focused(page)).name === "Talk to Steady", "Escape closes the chat and focus returns to its button");
    await page.keyboard.press("Enter");
    check((await focused(page)).tag === "textarea", "Enter opens it again, ready to type");
    check((await logText(page)).includes("hello there"), "and the conversation is still there");
  },

  async readable_on_a_phone(browser) {
    const context = await browser.newContext({
      locale: "en-GB", viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(WEB + "/");
    await greeted(page);
    const panel = await page.locator(".panel").boundingBox();
    check(panel.x === 0 && panel.y === 0 && panel.width === 390 && panel.height === 844,
      `the chat fills the phone screen (${JSON.stringify(panel)})`);
    const widths = await page.evaluate(() => {
      const root = document.querySelector(".steady-widget").shadowRoot;
      const log = root.querySelector(".log");
      return { page: document.documentElement.scrollWidth, log: log.scrollWidth - log.clientWidth };
    });
    check(widths.page <= 390 && widths.log === 0, `nothing scrolls sideways (${JSON.stringify(widths)})`);
    const fontSize = await page.locator("textarea").evaluate((box) => parseFloat(getComputedStyle(box).fontSize));
    check(fontSize >= 16, "the message box text is large enough not to zoom");
    for (const name of ["Send", "Need urgent help?"]) {
      const box = await button(page, name).boundingBox();
      check(box.x >= 0 && box.y >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, `${name} is on screen`);
      check(box.height >= 32, `${name} is big enough to tap`);
    }
    await button(page, "Anxious or panicky").tap();
    await button(page, "Breathing (box or 4-7-8)").waitFor({ timeout: REPLY_MS });
    await shot(page, "08-phone.png");
  },

  async reduced_motion_keeps_the_words_and_countdown_still(browser) {
    const context = await browser.newContext({ locale: "en-GB", reducedMotion: "reduce" });
    context.setDefaultTimeout(REPLY_MS);
    const page = await context.newPage();
    await page.goto(WEB + "/");
    await startBreathing(page);
    const pacer = page.locator(".pacer");
    const style = await page.locator(".pacer-circle").evaluate((circle) => getComputedStyle(circle).transform);
    check(style === "none", `the circle does not move (${style})`);
    const before = { width: await circleWidth(page), count: await pacer.locator(".pacer-count").textContent() };
    await page.waitForTimeout(2200);
    const after = { width: await circleWidth(page), count: await pacer.locator(".pacer-count").textContent() };
    check(before.width === after.width, "the circle keeps its size");
    check(before.count !== after.count, `the countdown still runs (${before.count} -> ${after.count})`);
    check((await pacer.locator(".pacer-phase").textContent()).length > 0, "the phase is still said in words");
    await shot(page, "09-reduced-motion.png");
  },
};

// -- run

async function main() {
  check(WEB, "set STEADY_WEB_URL to Steady's web server");
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const wanted = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const results = [];
  try {
    for (const [name, run] of Object.entries(checks)) {
      if (wanted.length && !wanted.includes(name)) continue;
      const started = Date.now();
      try {
        await run(browser);
        results.push({ name, ok: true, ms: Date.now() - started });
        console.log(`ok   ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        results.push({ name, ok: false, ms: Date.now() - started, error: String(error.stack || error) });
        console.log(`FAIL ${name}: ${error.message}`);
      }
    }
  } finally {
    await browser.close();
    fs.writeFileSync(path.join(ARTIFACTS, "results.json"), JSON.stringify(results, null, 2));
  }
  const failed = results.filter((result) => !result.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
