// Steady's local chat page. Every message is rendered with textContent, never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function senderId() {
    let id = localStorage.getItem("steady-sender");
    if (!id) {
      const bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem("steady-sender", id);
    }
    return id;
  }

  function add(kind, text) {
    const item = document.createElement("li");
    item.className = "msg " + kind;
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function addButtons(buttons) {
    const row = document.createElement("li");
    row.className = "buttons";
    buttons.forEach((button) => {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.addEventListener("click", () => {
        row.remove();
        send({ payload: button.payload }, button.title);
      });
      row.appendChild(element);
    });
    log.appendChild(row);
  }

  function pace(custom) {
    const line = document.createElement("li");
    line.className = "pacer";
    line.setAttribute("aria-live", "off");
    log.appendChild(line);
    const steps = [];
    for (let round = 1; round <= custom.rounds; round += 1) {
      custom.phases.forEach((phase) => steps.push({ round, phase }));
    }
    let index = 0;
    function next() {
      if (index >= steps.length) { line.textContent = "Done. Breathe normally."; return; }
      const { round, phase } = steps[index++];
      let left = phase.seconds;
      const tick = () => {
        line.textContent = `Round ${round}/${custom.rounds}: ${phase.say}… ${left}`;
        if (left-- > 1) setTimeout(tick, 1000); else setTimeout(next, 1000);
      };
      tick();
    }
    if (reducedMotion) line.textContent = custom.fallback_text; else next();
  }

  function show(message) {
    if (message.text) add("bot", message.text);
    if (message.custom && message.custom.type === "breathing_pacer") pace(message.custom);
    if (message.buttons && message.buttons.length) addButtons(message.buttons);
  }

  async function send(body, shown) {
    add("user", shown);
    status.textContent = "";
    try {
      const response = await fetch("/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ sender: senderId() }, body)),
      });
      const data = await response.json();
      if (!response.ok) { status.textContent = data.error || "Something went wrong."; return; }
      data.messages.forEach(show);
    } catch (error) {
      status.textContent = "Steady can't be reached right now. If you need help urgently, call your local emergency number.";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text }, text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("urgent").addEventListener("click", () => send({ payload: "/request_human" }, "I need urgent help"));
  send({ payload: "/greet" }, "Hi");
})();
