// Steady's chat widget. Embed it on any page with one tag:
//   <script src="https://steady.example.org/widget.js" defer></script>
// Options, as data- attributes on that tag:
//   data-server  where Steady's web server is (socket.io and /api/history); default: where widget.js is
//   data-open    "true" to show the chat open instead of behind the "Talk to Steady" button
// Every message is rendered with textContent: nothing a person or the assistant says becomes HTML
// (the progress chart is built element by element with createElementNS, from validated numbers).
(function () {
  "use strict";
  if (window.__steadyWidget) return; // embedded twice: keep the first
  window.__steadyWidget = true;

  const script = document.currentScript;
  const home = new URL(script.src, location.href);
  const server = (script.dataset.server || home.origin).replace(/\/+$/, "");
  const SESSION_KEY = "steady-session";
  const OPEN_KEY = "steady-open";
  const MAX_CHARS = 2000;
  const URGENT = { payload: "/request_human", title: "Need urgent help?" };
  const OFFLINE_HINT = "If you need help urgently, call your local emergency number.";
  const OFFLINE = "Steady can't be reached right now. " + OFFLINE_HINT;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  const TEMPLATE = `
    <link rel="stylesheet" href="${new URL("widget.css", home).href}">
    <button type="button" class="launcher" aria-expanded="false" aria-controls="panel">Talk to Steady</button>
    <section id="panel" class="panel" aria-label="Chat with Steady" hidden>
      <header>
        <div class="heading">
          <h2>Steady</h2>
          <button type="button" class="close" aria-label="Close chat">&times;</button>
        </div>
        <p class="note">An automated assistant, not a therapist or emergency service.</p>
        <div class="actions">
          <button type="button" class="urgent">Need urgent help?</button>
          <button type="button" class="fresh" aria-label="New chat: forget this conversation on this device">New chat</button>
          <button type="button" class="erase" aria-label="Erase this chat from Steady">Erase chat</button>
        </div>
      </header>
      <ol class="log" role="log" aria-live="polite" aria-label="Conversation"></ol>
      <p class="status" role="status"></p>
      <form class="composer">
        <label for="text" class="sr-only">Your message</label>
        <textarea id="text" rows="2" maxlength="${MAX_CHARS}" placeholder="Type a message" autocomplete="off"></textarea>
        <button type="submit" class="send">Send</button>
      </form>
    </section>`;

  const host = document.createElement("div");
  host.className = "steady-widget";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = TEMPLATE; // static markup only; no data goes into it
  const $ = (selector) => root.querySelector(selector);
  const ui = {
    launcher: $(".launcher"), panel: $(".panel"), log: $(".log"), status: $(".status"),
    form: $(".composer"), input: $("#text"), close: $(".close"), urgent: $(".urgent"), fresh: $(".fresh"),
  };

  let socket = null;
  let sessionId = null;
  let ready = false; // history shown; replies that arrive before are held back
  let held = [];
  let stopPacer = () => {};
  let saidSinceUser = ""; // what Steady said since the person last spoke, to not repeat a fallback text

  // -- storage (may be unavailable, e.g. in some private windows: then the chat lasts one page view)

  function stored(storage, key) {
    try { return storage.getItem(key); } catch (error) { return null; }
  }
  function store(storage, key, value) {
    try { value === null ? storage.removeItem(key) : storage.setItem(key, value); } catch (error) { /* ignore */ }
  }

  // -- rendering

  function item(className) {
    const li = document.createElement("li");
    li.className = className;
    ui.log.appendChild(li);
    requestAnimationFrame(() => { ui.log.scrollTop = ui.log.scrollHeight; }); // once it is filled in
    return li;
  }

  function say(kind, text) {
    const li = item("msg " + kind);
    const who = document.createElement("span");
    who.className = "sr-only";
    who.textContent = kind === "user" ? "You said: " : "Steady: ";
    const words = document.createElement("span");
    words.textContent = text;
    li.append(who, words);
    saidSinceUser = kind === "user" ? "" : saidSinceUser + text;
  }

  // A payload's fallback text, unless it was already said: the socket sends a message's text and its
  // custom payload separately (and splits long text into parts), the history sends them together.
  function sayFallback(text) {
    const squeeze = (words) => words.replace(/\s+/g, "");
    if (typeof text === "string" && text.trim() && !squeeze(saidSinceUser).includes(squeeze(text))) say("bot", text);
  }

  function offer(buttons) {
    const li = item("choices");
    const group = document.createElement("div");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choices");
    buttons.forEach((button) => {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = String(button.title);
      element.addEventListener("click", (event) => {
        send(String(button.payload), { button: true, title: String(button.title) }, String(button.title));
        // The choices are gone now. From the keyboard, go on in the message box; on a phone, a tap
        // should not pop up the keyboard over the next choices.
        if (event.detail === 0) ui.input.focus();
      });
      group.appendChild(element);
    });
    li.appendChild(group);
  }

  function clearChoices() {
    ui.log.querySelectorAll(".choices").forEach((li) => li.remove());
  }

  function show(message, live) {
    if (!message || typeof message !== "object") return;
    if (typeof message.text === "string" && message.text) say("bot", message.text);
    const buttons = message.quick_replies || message.buttons;
    if (Array.isArray(buttons) && buttons.length) offer(buttons);
    const custom = message.custom;
    if (!custom || typeof custom !== "object") return;
    if (custom.type === "breathing_pacer" && live) pacer(custom);
    else if (custom.type === "guided_sequence" && live) guide(custom);
    else if (custom.type === "progress_chart") { if (!progressChart(custom) && !message.text) sayFallback(custom.fallback_text); }
    else if (!message.text) sayFallback(custom.fallback_text);
  }

  // -- the progress chart: distress before and after each exercise, one column per run (a dumbbell:
  // a hollow dot before, a filled dot after, joined by a line whose style says down, up or same).
  // Everything in the payload is untrusted: numbers are checked and clamped, words only become text.

  const SVG = "http://www.w3.org/2000/svg";
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const MAX_RUNS = 12;
  // 12 columns fit a 360px-wide phone; on narrower screens the chart scales down (CSS max-width).
  const CHART = { left: 34, right: 6, top: 10, plot: 120, bottom: 32, minColumn: 22, maxColumn: 72, spread: 200 };

  function rating(value) {
    if (typeof value !== "number" || !Number.isFinite(value)) return null;
    return Math.round(Math.min(10, Math.max(0, value)) * 10) / 10;
  }

  function shortDate(value) {
    const match = typeof value === "string" && /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    const month = match ? Number(match[2]) : 0;
    const day = match ? Number(match[3]) : 0;
    if (month < 1 || month > 12 || day < 1 || day > 31) return null;
    return { day: String(day), month: MONTHS[month - 1] };
  }

  function words(value, limit) {
    return typeof value === "string" ? value.replace(/\s+/g, " ").trim().slice(0, limit) : "";
  }

  function chartRuns(spec) {
    const runs = Array.isArray(spec.runs) ? spec.runs.slice(-200) : [];
    return runs
      .filter((run) => run && typeof run === "object")
      .map((run) => {
        const before = rating(run.before);
        const after = rating(run.after);
        let trend = "partial";
        if (before !== null && after !== null) trend = after < before ? "down" : after > before ? "up" : "same";
        return { before, after, trend, date: shortDate(run.date), label: words(run.label, 60) };
      })
      .filter((run) => run.before !== null || run.after !== null)
      .slice(-MAX_RUNS);
  }

  function chartSummary(runs) {
    const count = (trend) => runs.filter((run) => run.trend === trend).length;
    const parts = [["went down in", count("down")], ["went up in", count("up")], ["stayed the same in", count("same")]]
      .filter(([, n]) => n > 0).map(([said, n]) => `${said} ${n}`);
    const partial = count("partial");
    if (partial) parts.push(`was rated only once in ${partial}`);
    return `${runs.length} exercise${runs.length === 1 ? "" : "s"}; distress ${parts.join(", ")}`;
  }

  function svg(name, attributes, parent) {
    const element = document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => element.setAttribute(key, String(value)));
    if (parent) parent.appendChild(element);
    return element;
  }

  function progressChart(spec) {
    try {
      const runs = chartRuns(spec);
      if (!runs.length) return false;
      const title = words(spec.title, 80) || "Distress before and after exercises";
      const column = Math.max(CHART.minColumn, Math.min(CHART.maxColumn, CHART.spread / runs.length));
      const width = Math.round(CHART.left + runs.length * column + CHART.right);
      const height = CHART.top + CHART.plot + CHART.bottom;
      const bottom = CHART.top + CHART.plot;
      const y = (value) => CHART.top + ((10 - value) / 10) * CHART.plot;

      const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "chart-svg" });
      chart.setAttribute("aria-label", `${title}: ${chartSummary(runs)}.`);
      const axis = svg("g", { class: "chart-axis", "aria-hidden": "true" }, chart);
      [0, 2.5, 5, 7.5, 10].forEach((tick) => {
        svg("line", { x1: CHART.left, x2: width - CHART.right, y1: y(tick), y2: y(tick), class: tick === 0 ? "chart-base" : "chart-grid" }, axis);
        if (tick % 5 === 0) {
          svg("text", { x: CHART.left - 5, y: y(tick) + 3.5, "text-anchor": "end", class: "chart-tick" }, axis).textContent = String(tick);
        }
      });
      const name = svg("text", { x: 9, y: CHART.top + CHART.plot / 2, "text-anchor": "middle", class: "chart-name",
        transform: `rotate(-90 9 ${CHART.top + CHART.plot / 2})` }, axis);
      name.textContent = "distress (0 = calm)";

      let month = null; // said under the first column and wherever it changes
      runs.forEach((run, index) => {
        const x = CHART.left + (index + 0.5) * column;
        const group = svg("g", { class: `run ${run.trend}` }, chart);
        if (run.before !== null) group.setAttribute("data-before", run.before);
        if (run.after !== null) group.setAttribute("data-after", run.after);
        const when = run.date ? `${run.date.day} ${run.date.month}` : "Date unknown";
        const said = (value) => (value === null ? "not rated" : String(value));
        svg("title", {}, group).textContent =
          `${when}${run.label ? ", " + run.label : ""}: ${said(run.before)} before, ${said(run.after)} after`;
        if (run.before !== null && run.after !== null && run.before !== run.after) {
          svg("line", { x1: x, x2: x, y1: y(run.before), y2: y(run.after), class: "run-line" }, group);
        }
        if (run.before !== null) svg("circle", { cx: x, cy: y(run.before), r: 4.5, class: "run-before" }, group);
        if (run.after !== null) svg("circle", { cx: x, cy: y(run.after), r: run.trend === "same" ? 2.5 : 4.5, class: "run-after" }, group);
        const date = svg("text", { x, y: bottom + 13, "text-anchor": "middle", class: "chart-date" }, group);
        if (run.date) {
          svg("tspan", { x, dy: 0 }, date).textContent = run.date.day;
          if (run.date.month !== month) svg("tspan", { x, dy: 11 }, date).textContent = run.date.month;
        } else {
          date.textContent = "?";
        }
        month = run.date ? run.date.month : null;
      });

      const li = item("chart");
      const choices = li.previousElementSibling; // the summary's buttons come first over the socket
      if (choices && choices.matches(".choices")) ui.log.insertBefore(li, choices);
      const heading = document.createElement("p");
      heading.className = "chart-title";
      heading.textContent = title;
      const frame = document.createElement("div");
      frame.className = "chart-frame";
      frame.appendChild(chart);
      li.append(heading, frame, chartLegend(runs));
      requestAnimationFrame(() => { frame.scrollLeft = frame.scrollWidth; }); // the latest runs first in view
      return true;
    } catch (error) {
      return false; // a payload the chart cannot show: the text summary still says it all
    }
  }

  function chartLegend(runs) {
    const legend = document.createElement("p");
    legend.className = "chart-legend";
    legend.setAttribute("aria-hidden", "true"); // the chart's label and the text summary say the same
    const keys = [["before", "before"], ["after", "after"], ["down", "lower after"], ["up", "higher after"], ["same", "no change"]];
    keys.forEach(([kind, meaning]) => {
      if (["down", "up", "same"].includes(kind) && !runs.some((run) => run.trend === kind)) return;
      const entry = document.createElement("span");
      const key = document.createElement("span");
      key.className = "key " + kind;
      entry.append(key, document.createTextNode(meaning));
      legend.appendChild(entry);
    });
    return legend;
  }

  // -- the breathing pacer: a circle that grows on "in", stays on "hold", shrinks on "out"

  function validPacer(spec) {
    const phases = Array.isArray(spec.phases) ? spec.phases : [];
    const rounds = Number(spec.rounds);
    return Number.isInteger(rounds) && rounds >= 1 && rounds <= 20 && phases.length > 0 &&
      phases.every((p) => ["in", "hold", "out"].includes(p.phase) && Number(p.seconds) >= 1 && Number(p.seconds) <= 60);
  }

  function pacer(spec) {
    stopPacer();
    if (!validPacer(spec)) { sayFallback(String(spec.fallback_text || "")); return; }
    const li = item("pacer");
    li.setAttribute("aria-live", "off"); // the phase line below speaks; the countdown stays quiet
    li.innerHTML = `<p class="pacer-label"></p>
      <div class="pacer-ring" aria-hidden="true"><div class="pacer-circle"></div><span class="pacer-count"></span></div>
      <p class="pacer-phase" aria-live="polite"></p><p class="pacer-round"></p>
      <button type="button" class="pacer-stop">Stop the breathing guide</button>`; // static markup
    const part = (name) => li.querySelector(".pacer-" + name);
    part("label").textContent = String(spec.label || "Breathing");
    if (reducedMotion.matches) li.classList.add("still");
    const steps = [];
    for (let round = 1; round <= spec.rounds; round += 1) spec.phases.forEach((phase) => steps.push({ round, phase }));
    let timer = null;
    let index = 0;
    function finish(words) {
      clearTimeout(timer);
      li.dataset.phase = "done";
      li.dataset.breath = "out";
      part("phase").textContent = words;
      part("count").textContent = "";
      const stop = part("stop");
      if (stop) stop.remove();
      stopPacer = () => {};
    }
    function next() {
      if (index >= steps.length) { finish("Done. Let your breathing find its own rhythm."); return; }
      const { round, phase } = steps[index++];
      const seconds = Number(phase.seconds);
      li.dataset.phase = phase.phase;
      if (phase.phase !== "hold") li.dataset.breath = phase.phase; // a hold keeps the circle's size
      li.style.setProperty("--seconds", seconds + "s");
      part("phase").textContent = String(phase.say || phase.phase);
      part("round").textContent = `Round ${round} of ${spec.rounds}`;
      let left = seconds;
      (function tick() {
        part("count").textContent = String(left);
        timer = setTimeout(left > 1 ? tick : next, 1000);
        left -= 1;
      })();
    }
    part("stop").addEventListener("click", () => { finish("Stopped. Breathe normally."); ui.input.focus(); });
    stopPacer = () => finish("Stopped.");
    li.getBoundingClientRect(); // lay out the small circle first, so the first breath in animates too
    next();
  }

  // -- a guided sequence (body scan, muscle relaxation): one line at a time, each shown for its seconds,
  // the current line highlighted and kept in view. Reduced motion: lines appear without fading or
  // smooth scrolling. "Show all lines" reveals the rest at once; a new message from the person stops it.

  function validGuide(spec) {
    const lines = Array.isArray(spec.lines) ? spec.lines : [];
    return lines.length > 0 && lines.length <= 40 &&
      lines.every((l) => typeof l.say === "string" && l.say.trim() && Number(l.seconds) >= 1 && Number(l.seconds) <= 60);
  }

  function guide(spec) {
    stopPacer();
    if (!validGuide(spec)) { sayFallback(String(spec.fallback_text || "")); return; }
    const li = item("guide");
    li.innerHTML = `<p class="guide-label"></p><ol class="guide-lines" aria-live="polite"></ol>
      <p class="guide-progress"></p>
      <div class="guide-actions"><button type="button" class="guide-all">Show all lines</button>
      <button type="button" class="guide-stop">Stop</button></div>`; // static markup
    const part = (name) => li.querySelector(".guide-" + name);
    part("label").textContent = String(spec.label || "Take your time");
    if (reducedMotion.matches) li.classList.add("still");
    const lines = spec.lines;
    let timer = null;
    let index = 0;
    function finish(words) {
      clearTimeout(timer);
      li.dataset.state = "done";
      part("progress").textContent = words;
      const actions = li.querySelector(".guide-actions");
      if (actions) actions.remove();
      stopPacer = () => {};
    }
    function reveal(line) {
      const shown = document.createElement("li");
      shown.textContent = String(line.say);
      part("lines").querySelectorAll("li.now").forEach((old) => old.classList.remove("now"));
      shown.className = "now";
      part("lines").appendChild(shown);
      shown.scrollIntoView({ block: "nearest", behavior: reducedMotion.matches ? "auto" : "smooth" });
    }
    function next() {
      if (index >= lines.length) { finish("Done. Take a moment before you carry on."); return; }
      const line = lines[index++];
      reveal(line);
      part("progress").textContent = `${index} of ${lines.length}`;
      timer = setTimeout(next, Number(line.seconds) * 1000);
    }
    part("all").addEventListener("click", () => {
      clearTimeout(timer);
      while (index < lines.length) reveal(lines[index++]);
      finish("All lines shown. Go at your own pace.");
    });
    part("stop").addEventListener("click", () => { finish("Stopped."); ui.input.focus(); });
    stopPacer = () => finish("Stopped.");
    next();
  }

  // -- talking to Steady

  function send(message, metadata, shown) {
    if (!socket || !sessionId) { ui.status.textContent = "Still connecting. " + OFFLINE_HINT; return false; }
    clearChoices();
    if (shown) say("user", shown);
    socket.emit("user_uttered", {
      message,
      session_id: sessionId,
      metadata: Object.assign({ language: navigator.language || null }, metadata),
    });
    return true;
  }

  function receive(message) {
    if (ready) show(message, true);
    else held.push(message);
  }

  async function loadHistory() {
    const response = await fetch(server + "/api/history", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: sessionId }),
    });
    if (!response.ok) throw new Error("history " + response.status);
    return (await response.json()).messages || [];
  }

  async function start(isNew) {
    let earlier = [];
    let loaded = !isNew;
    if (!isNew) {
      try { earlier = await loadHistory(); } catch (error) { loaded = false; ui.status.textContent = "Earlier messages could not be loaded."; }
    }
    // Buttons stay usable only on what Steady said since the person last spoke (as the channel checks).
    const lastUser = earlier.map((message) => message.from).lastIndexOf("user");
    earlier.forEach((message, i) => {
      if (message.from === "user") say("user", message.text);
      else show(i > lastUser ? message : { text: message.text, custom: message.custom }, false);
    });
    ready = true;
    held.splice(0).forEach((message) => show(message, true));
    if (isNew || (loaded && earlier.length === 0)) send("/greet", { button: true }, null);
  }

  // The session id is a secret Steady issues (in session_confirm); the widget never makes its own. It
  // opens this conversation, so it stays in this browser's storage and goes only to Steady's server.
  function connect() {
    const saved = stored(localStorage, SESSION_KEY);
    sessionId = null;
    let started = false;
    socket = window.steadyIo(server, { path: "/socket.io" });
    socket.on("connect", () => {
      // only a connection problem is over: "This chat was erased." stays until the next thing happens
      if (ui.status.dataset.connection) { ui.status.textContent = ""; delete ui.status.dataset.connection; }
      socket.emit("session_request", { session_id: sessionId || saved });
    });
    socket.on("session_confirm", (confirmed) => {
      const id = typeof confirmed === "string" ? confirmed : confirmed && confirmed.session_id;
      if (!id) return;
      sessionId = id;
      store(localStorage, SESSION_KEY, id);
      if (!started) { started = true; start(id !== saved); }
    });
    socket.on("bot_uttered", receive);
    socket.on("disconnect", () => connectionProblem("Connection lost. Trying again…"));
    socket.on("connect_error", () => connectionProblem(OFFLINE));
  }

  function connectionProblem(text) {
    ui.status.textContent = text;
    ui.status.dataset.connection = "yes";
  }

  function newChat() {
    stopPacer();
    store(localStorage, SESSION_KEY, null);
    if (socket) { socket.off(); socket.disconnect(); }
    socket = null;
    ready = false;
    held = [];
    saidSinceUser = "";
    ui.log.replaceChildren();
    ui.status.textContent = "Started a new chat. The earlier one is no longer shown on this device.";
    connect();
  }

  // -- loading the socket.io client (vendored next to this file) without disturbing the page's own

  function loadSocketIo() {
    if (window.steadyIo) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const previous = Object.getOwnPropertyDescriptor(window, "io");
      const tag = document.createElement("script");
      tag.src = new URL("static/vendor/socket.io.min.js", home).href;
      tag.onload = () => {
        window.steadyIo = window.io;
        if (previous) Object.defineProperty(window, "io", previous); else delete window.io;
        resolve();
      };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  // -- opening, closing, keyboard

  let connecting = null;
  function setOpen(open, byPerson) {
    ui.panel.hidden = !open;
    ui.launcher.hidden = open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    store(sessionStorage, OPEN_KEY, open ? "1" : "0");
    if (byPerson) (open ? ui.input : ui.launcher).focus();
    if (!open) return;
    connecting = connecting || loadSocketIo().then(connect, () => { ui.status.textContent = OFFLINE; });
  }

  ui.launcher.addEventListener("click", () => setOpen(true, true));
  ui.close.addEventListener("click", () => setOpen(false, true));
  ui.panel.addEventListener("keydown", (event) => { if (event.key === "Escape") setOpen(false, true); });
  ui.urgent.addEventListener("click", () => send(URGENT.payload, { button: true, title: URGENT.title }, URGENT.title));
  ui.fresh.addEventListener("click", newChat);
  $(".erase").addEventListener("click", async () => {
    const ask = "Erase this chat? Your messages are deleted from Steady. If Steady was worried about your safety, "
      + "a record that this happened is kept, without your words.";
    if (!sessionId || !window.confirm(ask)) return;
    const response = await fetch(server + "/api/erase", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ session_id: sessionId }),
    }).catch(() => null);
    if (!response || !response.ok) { ui.status.textContent = "The chat could not be erased. Please try again."; return; }
    newChat();
    ui.status.textContent = "This chat was erased.";
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (text && send(text, {}, text)) ui.input.value = "";
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); ui.form.requestSubmit(); }
  });
  ui.input.addEventListener("input", () => {
    ui.status.textContent = ui.input.value.length >= MAX_CHARS
      ? "That is as long as one message can be (2,000 characters). Please send the rest in another message." : "";
  });

  document.body.appendChild(host);
  const wasOpen = stored(sessionStorage, OPEN_KEY);
  setOpen(wasOpen === null ? script.dataset.open === "true" : wasOpen === "1");
})();
