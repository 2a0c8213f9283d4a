// Driven by tests/integration/test_console_takeover.py (test_the_whole_flow_in_a_real_browser).
// Two real browser windows in Debian's chromium: a person on the website widget, a counselor in the
// console. Flow: a risk message from the widget appears in the queue without a reload; the counselor
// signs in, opens it, takes over, they exchange messages, the counselor hands back and resolves it
// with a note. Screenshots go to ARTIFACTS. Exits non-zero with the reason on the first failure.
"use strict";

const { chromium } = require("playwright-core");
const path = require("path");

const { WEB_URL, CONSOLE_URL, USERNAME, PASSWORD, ARTIFACTS, CHROMIUM } = process.env;
const REPLY_MS = 60000;
const RISK = "i've been thinking about killing myself";

function step(what) {
  console.log("step: " + what);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: false });
}

async function widgetSays(widget, text) {
  const log = widget.locator(".steady-widget .log");
  await log.locator(".msg.bot", { hasText: text }).last().waitFor({ timeout: REPLY_MS });
}

async function personTypes(widget, text) {
  const input = widget.locator(".steady-widget textarea#text");
  await input.fill(text);
  await input.press("Enter");
}

// The counselor clicks the take-over or hand-back button; the console shows what comes next
// (the `then` selector) and the widget tells the person (`told`).
async function counselorSwitches(consolePage, widget, button, then, told) {
  await consolePage.click(button);
  await consolePage.waitForSelector(then);
  await widgetSays(widget, told);
}

async function main() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const person = await browser.newContext({ viewport: { width: 900, height: 820 } });
  const counselor = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const widget = await person.newPage();
  const consolePage = await counselor.newPage();
  try {
    step("the counselor signs in and watches the queue");
    await consolePage.goto(CONSOLE_URL + "/");
    await consolePage.waitForURL(/\/login$/);
    await consolePage.fill("input[name=username]", USERNAME);
    await consolePage.fill("input[name=password]", PASSWORD);
    await consolePage.click("button[type=submit]");
    await consolePage.waitForSelector("#queue-rows");
    const known = await consolePage.locator("#queue-rows a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));

    step("the person opens the widget and says something risky");
    await widget.goto(WEB_URL + "/");
    await widgetSays(widget, "automated assistant");
    await personTypes(widget, RISK);
    await widgetSays(widget, "emergency");

    step("the escalation appears in the queue without a reload");
    const found = await consolePage.waitForFunction((before) => {
      const links = Array.from(document.querySelectorAll("#queue-rows a"), (a) => a.getAttribute("href"));
      return links.find((href) => !before.includes(href)) || null;
    }, known, { timeout: 20000, polling: 500 });
    const href = await found.jsonValue();
    await shot(consolePage, "console-queue.png");
    await consolePage.click(`#queue-rows a[href="${href}"]`);
    await consolePage.waitForSelector("#conversation");
    await consolePage.locator("#conversation .line.user", { hasText: "killing myself" }).waitFor();

    step("the counselor takes over; the widget says a counselor has joined");
    await counselorSwitches(consolePage, widget, "#take-over", "#message-text", "has joined this conversation");

    step("they talk");
    await consolePage.fill("#message-text", "Hi, I'm Sam, a counselor. I'm here with you. Are you safe right now?");
    await consolePage.press("#message-text", "Enter");
    await widgetSays(widget, "Are you safe right now?");
    await personTypes(widget, "i'm at home. i'm scared <b>really</b>");
    await consolePage.locator("#conversation .line.user", { hasText: "i'm at home" }).waitFor({ timeout: 20000 });
    const shown = await consolePage.locator("#conversation .line.user").last().innerText();
    if (!shown.includes("<b>really</b>")) throw new Error("the person's words were not shown as text: " + shown);
    await shot(consolePage, "console-takeover.png");
    await shot(widget, "widget-takeover.png");

    step("the counselor hands back; the widget says so");
    await counselorSwitches(consolePage, widget, "#hand-back", "#take-over", "has left the conversation");

    step("the counselor resolves with a note");
    await consolePage.selectOption("#resolve-form select[name=outcome]", "reached_person");
    await consolePage.fill("#resolve-form textarea[name=note]", "Talked for a while; the person is at home and safe.");
    await consolePage.click("#resolve");
    await consolePage.locator(".done", { hasText: "Resolved." }).waitFor();
    await shot(consolePage, "console-resolved.png");
    console.log("done");
  } catch (error) {
    await shot(consolePage, "failure-console.png").catch(() => {});
    await shot(widget, "failure-widget.png").catch(() => {});
    console.error("FAILED: " + error.message);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main();
