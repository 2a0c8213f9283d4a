// Steady console: live queue and live conversation by short polling. Every piece of HTML put on
// the page comes from the server, which escapes the person's words; nothing here builds markup
// from data.
"use strict";

(function () {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || "The console did not answer (" + response.status + ").");
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function signedOut(notice) {
    notice.hidden = false;
    notice.textContent = "You are signed out. Reload the page to sign in again.";
  }

  function pollQueue(body) {
    const status = document.getElementById("queue-status");
    async function refresh() {
      try {
        const data = await getJson(body.dataset.live);
        body.innerHTML = data.html;
        status.textContent = data.count + " open · updated " + new Date().toLocaleTimeString();
      } catch (error) {
        status.textContent = error.status === 401 ? "You are signed out. Reload to sign in." : error.message;
        if (error.status === 401) return;
      }
      setTimeout(refresh, 3000);
    }
    setTimeout(refresh, 3000);
  }

  function appendLine(list, line) {
    const item = document.createElement("li");
    item.className = "line " + line.kind;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = { user: "Person", bot: "Assistant", counselor: "Counselor", marker: "" }[line.kind] || "";
    const text = document.createElement("span");
    text.className = "text";
    text.innerHTML = line.html; // escaped by the server (markupsafe), highlights are <mark> only
    const time = document.createElement("time");
    time.textContent = line.at;
    item.append(who, text, time);
    list.append(item);
  }

  function pollConversation(list) {
    const notice = document.getElementById("live-notice");
    const state = document.getElementById("takeover-state");
    const shownOwner = state ? state.dataset.takenOverBy : "";
    let timer = null;
    async function refresh() {
      clearTimeout(timer);
      try {
        const data = await getJson(list.dataset.live + "?after=" + list.dataset.lastId);
        const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
        const empty = list.querySelector(".empty");
        if (empty && data.lines.length) empty.remove();
        for (const line of data.lines) {
          appendLine(list, line);
          list.dataset.lastId = line.id;
        }
        if (data.lines.length && nearBottom) list.scrollTop = list.scrollHeight;
        if (state) {
          state.classList.toggle("paused", data.paused);
          state.textContent = data.taken_over_by
            ? data.taken_over_by + " is talking to this person; the assistant is " + (data.paused ? "paused." : "being paused again.")
            : data.paused ? "The assistant is paused." : "The automated assistant is talking to this person.";
        }
        if ((data.taken_over_by || "") !== shownOwner) {
          notice.hidden = false;
          notice.textContent = "Who is talking to this person has changed. Reload the page to see the current controls.";
        } else if (data.pause_problem) {
          notice.hidden = false;
          notice.textContent = data.pause_problem;
        }
      } catch (error) {
        if (error.status === 401) return signedOut(notice);
        notice.hidden = false;
        notice.textContent = error.message;
      }
      timer = setTimeout(refresh, 2000);
    }
    list.scrollTop = list.scrollHeight;
    timer = setTimeout(refresh, 2000);
    return refresh;
  }

  function sendMessages(form, refresh) {
    const notice = document.getElementById("live-notice");
    const text = form.querySelector("textarea");
    const button = form.querySelector("button");
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRF-Token": csrf },
          body: new URLSearchParams(new FormData(form)),
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(body.error || "The message was not sent.");
        text.value = "";
        notice.hidden = true;
        refresh();
      } catch (error) {
        notice.hidden = false;
        notice.textContent = error.message;
      } finally {
        button.disabled = false;
        text.focus();
      }
    });
  }

  const queueBody = document.getElementById("queue-rows");
  if (queueBody) pollQueue(queueBody);
  const conversation = document.getElementById("conversation");
  if (conversation) {
    const refresh = pollConversation(conversation);
    const form = document.getElementById("message-form");
    if (form) sendMessages(form, refresh);
  }
})();
