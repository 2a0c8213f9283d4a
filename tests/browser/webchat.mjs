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

async function chartState(page) {
  return page.evaluate(() => {
    const root = document.querySelector(".steady-widget").shadowRoot;
    const log = root.querySelector(".log");
    return [...root.querySelectorAll(".chart")].map((chart) => {
      const svg = chart.querySelector("svg");
      const index = [...log.children].indexOf(chart);
      return {
        title: chart.querySelector(".chart-title").textContent,
        role: svg.getAttribute("role"),
        label: svg.getAttribute("aria-label"),
        width: svg.getBoundingClientRect().width,
        choicesNext: Boolean(chart.nextElementSibling && chart.nextElementSibling.matches(".choices")),
        frameFits: chart.querySelector(".chart-frame").getBoundingClientRect().right <= log.getBoundingClientRect().right,
        saidBefore: [...log.children].slice(0, index).filter((li) => li.matches(".msg")).map((li) => ({
          from: li.matches(".user") ? "user" : "bot", text: li.lastElementChild.textContent })),
        runs: [...svg.querySelectorAll(".run")].map((run) => ({
          trend: run.getAttribute("class").replace("run", "").trim(),
          before: run.getAttribute("data-before"),
          after: run.getAttribute("data-after"),
          beforeY: Number(run.querySelector(".run-before")?.getAttribute("cy")),
          afterY: Number(run.querySelector(".run-after")?.getAttribute("cy")),
          date: run.querySelector(".chart-date").textContent,
          tip: run.querySelector("title").textContent,
        })),
      };
    });
  });
}

// A stand-in for the socket.io client (the widget uses window.steadyIo when a page already has it):
// the test hands the widget any message it likes through window.__steadyFake.deliver(message).
function fakeSocketIo() {
  const fake = { handlers: {}, emitted: [] };
  fake.deliver = (message) => fake.handlers.bot_uttered(message);
  window.__steadyFake = fake;
  window.steadyIo = () => {
    const socket = {
      on(name, handler) { fake.handlers[name] = handler; return socket; },
      off() { return socket; },
      disconnect() {},
      emit(name, data) {
        fake.emitted.push([name, data]);
        // Like Steady's channel: the session secret the widget holds, or a new one it issues.
        const issued = () => Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
        if (name === "session_request") setTimeout(() => fake.handlers.session_confirm({ session_id: data.session_id || issued() }));
      },
    };
    setTimeout(() => fake.handlers.connect && fake.handlers.connect());
    return socket;
  };
}

// Opens the widget alone on a test page at WEB + path, talking to fakeSocketIo once it has greeted;
// returns deliver(message), which hands the widget a message as if the bot had sent it.
async function widgetOnItsOwn(page, path, title) {
  await page.addInitScript(fakeSocketIo);
  await page.route(WEB + path, (route) => route.fulfill({
    contentType: "text/html",
    body: `<!doctype html><title>${title}</title><script src="${WEB}/widget.js" data-open="true" defer></script>`,
  }));
  await page.goto(WEB + path);
  await page.waitForFunction(() => window.__steadyFake.emitted.some(([name]) => name === "user_uttered"));
  return (message) => page.evaluate((m) => window.__steadyFake.deliver(m), message);
}

// Box breathing, 3 rounds, from the greeting to the pacer; distress is the rating given before it.
async function startBreathing(page, distress = "7") {
  await greeted(page);
  await button(page, "Anxious or panicky").click();
  await button(page, "Breathing (box or 4-7-8)").click();
  await button(page, distress).click();
  await button(page, "Box (4-4-4-4)").click();
  await button(page, "3 rounds").click();
  await page.locator(".pacer").waitFor({ timeout: REPLY_MS });
}

// Ends the pacer, says how it felt and rates distress 3 after it, until the exercise offers a person.
async function finishBreathing(page, feeling) {
  await type(page, "done");
  await waitForLog(page, "How did that feel?");
  await type(page, feeling);
  await button(page, "3").click();
  await button(page, "Talk to a person").waitFor();
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
    await finishBreathing(page, "calmer");
    await shot(page, "03-exercise-done.png");
  },

  async erasing_says_so_after_the_new_chat_connects(browser) {
    const page = await (await browser.newContext({ locale: "en-GB" })).newPage();
    await page.goto(WEB + "/");
    await greeted(page);
    await type(page, "just testing the erase button");
    await waitForLog(page, "just testing the erase button");
    const before = await page.evaluate(() => localStorage.getItem("steady-session"));
    page.once("dialog", (dialog) => dialog.accept());
    await button(page, "Erase this chat from Steady").click();
    await page.waitForFunction((old) => {
      const now = localStorage.getItem("steady-session");
      return now && now !== old;
    }, before, { timeout: REPLY_MS });
    await greeted(page);
    const status = await page.evaluate(() => document.querySelector(".steady-widget").shadowRoot
      .querySelector(".status").textContent);
    check(status === "This chat was erased.", `the erase is confirmed after the new chat connects (saw "${status}")`);
    check(!(await logText(page)).includes("just testing"), "the erased words are gone from the page");
    const look = (name) => page.evaluate((selector) => {
      const style = getComputedStyle(document.querySelector(".steady-widget").shadowRoot.querySelector(selector));
      return [style.backgroundColor, style.textDecorationLine, style.color].join(" ");
    }, name);
    check(await look(".erase") === await look(".fresh"), "Erase chat is styled like New chat");
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

Object.assign(checks, {
  async progress_chart_after_an_exercise(browser) {
    const context = await browser.newContext({
      locale: "en-GB", viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    context.setDefaultTimeout(REPLY_MS);
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(WEB + "/");
    // The shortest exercise: box breathing, 3 rounds, ended at once; distress 8 before, 3 after.
    await startBreathing(page, "8");
    await finishBreathing(page, "a bit calmer");
    await type(page, "how have I been doing?");
    await page.locator(".chart svg").waitFor();
    await page.waitForTimeout(500); // anything else in the same reply
    const expectOne = (charts, when) => {
      check(charts.length === 1, `${when}: one chart (${charts.length})`);
      const [chart] = charts;
      check(chart.role === "img", `${when}: the chart is an image to screen readers`);
      check(/^.+: 1 exercise; distress went down in 1\.$/.test(chart.label), `${when}: its label summarises (${chart.label})`);
      check(chart.runs.length === 1, `${when}: exactly one run column (${chart.runs.length})`);
      const [run] = chart.runs;
      check(run.before === "8" && run.after === "3" && run.trend === "down",
        `${when}: the column is 8 before, 3 after, went down (${JSON.stringify(run)})`);
      check(run.beforeY < run.afterY, `${when}: 8 is drawn higher than 3 (calm at the bottom)`);
      check(/^\d{1,2}[A-Z][a-z]{2}$/.test(run.date), `${when}: a short date under the column (${run.date})`);
      check(chart.frameFits, `${when}: the chart fits the phone's screen`);
      check(chart.choicesNext, `${when}: the summary's buttons come after the chart`);
      const asked = chart.saidBefore.map((message) => message.from === "user" && message.text).lastIndexOf("how have I been doing?");
      const summary = chart.saidBefore.slice(asked + 1).filter((message) => message.from === "bot").map((m) => m.text).join("\n");
      check(asked >= 0 && summary.includes("8 → 3"), `${when}: the text summary comes first (${summary})`);
      return chart;
    };
    expectOne(await chartState(page), "live");
    const sideways = await page.evaluate(() => {
      const log = document.querySelector(".steady-widget").shadowRoot.querySelector(".log");
      return log.scrollWidth - log.clientWidth;
    });
    check(sideways === 0, `the conversation does not scroll sideways (${sideways})`);
    await page.locator(".chart").scrollIntoViewIfNeeded();
    await shot(page, "10-progress-chart.png");
    await page.reload();
    await page.locator(".chart svg").waitFor({ timeout: REPLY_MS });
    await waitForLog(page, "how have I been doing?");
    expectOne(await chartState(page), "after a reload");
    await page.locator(".chart").scrollIntoViewIfNeeded();
    await shot(page, "11-progress-chart-after-reload.png");
    check(errors.length === 0, `no script errors (${errors.join(" / ")})`);
  },

  async body_scan_is_paced_line_by_line(browser) {
    // The body scan's own lines (EXPECT.body_scan, from the script), 1 second each so the check is short.
    const lines = (EXPECT.body_scan || ["Notice your feet.", "Notice your legs.", "Notice your breath."])
      .map((say) => ({ say, seconds: 1 }));
    for (const reduced of [false, true]) {
      const context = await browser.newContext({
        locale: "en-GB", viewport: { width: 400, height: 760 }, reducedMotion: reduced ? "reduce" : "no-preference",
      });
      const page = await context.newPage();
      const deliver = await widgetOnItsOwn(page, "/guide-test", "Guide test");
      await deliver({ custom: { type: "guided_sequence", label: "Body scan", lines, fallback_text: lines.map((l) => l.say).join("\n") } });
      await deliver({ text: "When you've finished, send me any message." });
      const state = () => page.evaluate(() => {
        const guide = document.querySelector(".steady-widget").shadowRoot.querySelector(".guide");
        return {
          shown: guide ? Array.from(guide.querySelectorAll(".guide-lines li"), (li) => li.textContent) : [],
          now: guide?.querySelector("li.now")?.textContent,
          still: guide?.classList.contains("still"),
          bubbles: document.querySelector(".steady-widget").shadowRoot.querySelectorAll(".msg.bot").length,
          animation: guide ? getComputedStyle(guide.querySelector(".guide-lines li")).animationName : null,
        };
      });
      let seen = await state();
      check(seen.shown.length === 1 && seen.now === lines[0].say, `one line at a time (${JSON.stringify(seen.shown)})`);
      check(seen.bubbles === 1, "no 14-line bubble: only the prompt after the guide is a message");
      check(seen.still === reduced, "reduced motion is honoured");
      if (reduced) check(seen.animation === "none", `no fading in with reduced motion (${seen.animation})`);
      await page.waitForTimeout(2300);
      seen = await state();
      check(seen.shown.length >= 3 && seen.now === lines[seen.shown.length - 1].say, `the next lines come in time (${seen.shown.length})`);
      if (!reduced) await shot(page, "13-body-scan-paced.png");
      await button(page, "Show all lines").click();
      seen = await state();
      check(seen.shown.length === lines.length, "Show all lines shows the rest at once");
      await context.close();
    }
  },

  async the_session_secret_comes_from_steady(browser) {
    const context = await browser.newContext({ locale: "en-GB" });
    const page = await context.newPage();
    await page.addInitScript(fakeSocketIo);
    await page.goto(WEB + "/");
    await page.waitForFunction(() => window.__steadyFake.emitted.some(([name]) => name === "user_uttered"));
    const [first, held] = await page.evaluate(() => [window.__steadyFake.emitted[0], localStorage.getItem("steady-session")]);
    check(first[0] === "session_request" && first[1].session_id === null, `a new visitor asks Steady for a session (${JSON.stringify(first)})`);
    const greet = await page.evaluate(() => window.__steadyFake.emitted.find(([name]) => name === "user_uttered")[1]);
    check(/^[0-9a-f]{64}$/.test(held) && greet.session_id === held, "the widget keeps and uses the secret Steady issued");
    await context.close();
  },

  async progress_chart_survives_bad_data(browser) {
    const context = await browser.newContext({ locale: "en-GB", viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const errors = [];
    const dialogs = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
    const deliver = await widgetOnItsOwn(page, "/chart-test", "Chart test");
    const chart = (fields) => ({ type: "progress_chart", ...fields });
    // Untrusted words and numbers: markup stays text, values are clamped, unusable runs are skipped.
    await deliver({ text: "Your progress", quick_replies: [{ title: "Show me the exercises", payload: "/menu" }] });
    await deliver({ custom: chart({
      title: "<img src=x onerror=alert(1)>",
      runs: [
        null, 5, "run", [],
        { date: "2026-11-01", label: "<img src=x onerror=alert(2)>", before: 7, after: 4 },
        { date: "2026-11-02", label: "Up", before: 3, after: 6 },
        { date: "2026-11-03", label: "Same", before: 5, after: 5 },
        { date: "<b>x</b>", label: 42, before: 12, after: -3 },
        { date: "2026-13-45", before: "7", after: 4 },
        { date: "2026-11-06", before: null, after: null },
        { date: "2026-11-07", before: true, after: { valueOf: 1 } },
      ],
      checkins: "not a list",
      fallback_text: "Your progress",
    }) });
    let charts = await chartState(page);
    check(charts.length === 1, `one chart (${charts.length})`);
    check(charts[0].title === "<img src=x onerror=alert(1)>", "the title is shown as text");
    check(charts[0].choicesNext, "the chart goes above the buttons that came with its text");
    const got = charts[0].runs.map((run) => [run.trend, run.before, run.after]);
    const wanted = [["down", "7", "4"], ["up", "3", "6"], ["same", "5", "5"], ["down", "10", "0"], ["partial", null, "4"]];
    check(JSON.stringify(got) === JSON.stringify(wanted), `usable runs only, clamped (${JSON.stringify(got)})`);
    check(charts[0].runs[0].tip.includes("<img src=x onerror=alert(2)>"), "a label is shown as text");
    check(charts[0].runs[3].date === "?", "an unreadable date is not shown");
    check(charts[0].label.includes("5 exercises; distress went down in 2, went up in 1, stayed the same in 1, was rated only once in 1"),
      `the label counts them (${charts[0].label})`);
    // More runs than fit: the latest 12.
    const many = Array.from({ length: 20 }, (_, i) => ({ date: `2026-10-${String(i + 1).padStart(2, "0")}`, label: "Box", before: 6, after: i % 3 }));
    await deliver({ custom: chart({ runs: many }) });
    charts = await chartState(page);
    check(charts.length === 2 && charts[1].runs.length === 12, "at most 12 columns");
    check(charts[1].runs[0].date === "9Oct" && charts[1].runs[11].date === "20", "the latest 12, oldest first, the month said once");
    // Nothing usable: no chart; the fallback text only if it was not said already.
    for (const custom of [
      chart({ runs: [], fallback_text: "Your progress" }),
      chart({ runs: "many", fallback_text: "Your progress" }),
      chart({ runs: [{ before: "a", after: "b" }] }),
      chart({ runs: { length: 3 } }),
      chart({}),
    ]) await deliver({ custom });
    await deliver({ custom: chart({ runs: null, fallback_text: "Only the words, as a fallback." }) });
    for (const message of [null, "text", 7, { custom: null }, { custom: "x" }, { custom: 5 }]) await deliver(message);
    await page.waitForTimeout(300);
    charts = await chartState(page);
    check(charts.length === 2, `no chart from unusable data (${charts.length})`);
    const said = await page.evaluate(() => [...document.querySelector(".steady-widget").shadowRoot
      .querySelectorAll(".msg.bot span:last-child")].map((span) => span.textContent));
    check(said.filter((text) => text === "Your progress").length === 1, `a fallback already said is not repeated (${said.join(" / ")})`);
    check(said.filter((text) => text === "Only the words, as a fallback.").length === 1, "a fallback not yet said is said");
    const images = await page.evaluate(() => document.querySelectorAll("img").length
      + document.querySelector(".steady-widget").shadowRoot.querySelectorAll("img").length);
    check(images === 0, "no element is created from the data");
    await page.waitForTimeout(500);
    check(dialogs.length === 0, `no dialog fires (${dialogs.join(", ")})`);
    check(errors.length === 0, `no script errors (${errors.join(" / ")})`);
    await page.locator(".chart").first().scrollIntoViewIfNeeded();
    await shot(page, "12-progress-chart-bad-data.png");
    // Replayed from the history after a reload: every chart, also those before the person spoke again.
    const one = [{ date: "2026-11-20", label: "Box breathing", before: 6, after: 2 }];
    await page.route(WEB + "/api/history", (route) => route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({ messages: [
        { from: "bot", text: "First summary", buttons: [{ title: "Menu", payload: "/menu" }], custom: chart({ runs: one, fallback_text: "First summary" }) },
        { from: "user", text: "thanks" },
        { from: "bot", text: "Second summary", custom: chart({ runs: [...one, { date: "2026-11-21", before: 2, after: 4 }], fallback_text: "Second summary" }) },
        { from: "bot", text: "Nothing to draw", custom: chart({ runs: "bad", fallback_text: "Nothing to draw" }) },
      ] }),
    }));
    await page.evaluate(() => localStorage.setItem("steady-session", "ab12".repeat(16)));
    await page.reload();
    await page.waitForFunction(() => document.querySelector(".steady-widget")?.shadowRoot.querySelector(".log").textContent.includes("Nothing to draw"));
    charts = await chartState(page);
    check(charts.length === 2 && charts[0].runs.length === 1 && charts[1].runs.length === 2, `both charts are replayed (${charts.length})`);
    check(charts[1].runs[1].trend === "up" && charts[1].runs[1].after === "4", "with their values");
    const replayed = await page.evaluate(() => [...document.querySelector(".steady-widget").shadowRoot
      .querySelectorAll(".msg.bot span:last-child")].map((span) => span.textContent));
    check(JSON.stringify(replayed) === JSON.stringify(["First summary", "Second summary", "Nothing to draw"]), `no text twice (${replayed.join(" / ")})`);
    check(errors.length === 0, `no script errors after the reload (${errors.join(" / ")})`);
  },
});

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
