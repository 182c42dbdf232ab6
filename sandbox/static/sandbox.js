// The sandbox page: asks the sandbox for what the chosen person sees and draws it; every
// click, choice and submission goes back to the sandbox, which sends it to the bot as
// Slack would. The HTML of messages, the Home tab and modals is drawn (and escaped) by
// the server; this file only wires it up.
"use strict";

const view = { user: null, channel: null, tab: "messages", state: null };
const $ = (id) => document.getElementById(id);
// Made when the sandbox started; without it the sandbox refuses every request, so no other
// web page can drive it.
const token = document.querySelector('meta[name="sandbox-token"]').content;

async function api(path, body) {
  const options = { headers: { "X-Sandbox-Token": token } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch("/sandbox/api/" + path, options);
  const data = await response.json();
  if (!response.ok) { showNotices([data.error || "Something went wrong"]); return null; }
  return data;
}

async function load() {
  const query = new URLSearchParams();
  if (view.user) query.set("user", view.user);
  if (view.channel) query.set("channel", view.channel);
  draw(await api("state?" + query.toString()));
}

async function post(path, body) {
  const data = await api(path, { user: view.user, channel: view.channel, ...body });
  if (data) draw(data);
  return data;
}

function showNotices(notices) {
  const box = $("notices");
  box.textContent = "";
  for (const text of notices) {
    const line = document.createElement("div");
    line.textContent = text;
    box.appendChild(line);
  }
}

function draw(state) {
  if (!state) return;
  view.state = state;
  view.user = state.user;
  view.channel = state.channel;
  const person = $("person");
  if (!person.options.length) {
    const groups = { learner: "Learners", coach: "Coaches", coordinator: "Coordinator" };
    for (const [role, label] of Object.entries(groups)) {
      const group = document.createElement("optgroup");
      group.label = label;
      for (const p of state.people.filter((p) => p.role === role)) {
        const option = document.createElement("option");
        option.value = p.id;
        option.textContent = p.name;
        group.appendChild(option);
      }
      person.appendChild(group);
    }
  }
  person.value = state.user;
  const me = state.people.find((p) => p.id === state.user);
  $("whoami").textContent = me ? `${me.title} · ${me.role}` : "";
  $("clock").textContent = state.clock_label;

  const list = $("conversations");
  list.textContent = "";
  for (const c of state.conversations) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = c.label + (c.count ? ` (${c.count})` : "");
    button.dataset.channel = c.id;
    button.className = view.tab === "messages" && c.id === state.channel ? "active" : "";
    button.addEventListener("click", () => { view.tab = "messages"; view.channel = c.id; load(); });
    item.appendChild(button);
    list.appendChild(item);
  }
  $("tab-home").className = "sb-link" + (view.tab === "home" ? " active" : "");
  const current = state.conversations.find((c) => c.id === state.channel);
  $("title").textContent = view.tab === "home" ? "Sounding Board · Home"
    : (current ? current.label : "");

  const messages = $("messages");
  messages.textContent = "";
  for (const m of state.messages) {
    const box = document.createElement("div");
    box.className = "sb-message" + (m.ephemeral ? " sb-ephemeral" : "");
    box.dataset.source = JSON.stringify(m.source);
    const author = document.createElement("div");
    author.className = "sb-author";
    author.textContent = m.author;
    box.appendChild(author);
    if (m.ephemeral) {
      const note = document.createElement("div");
      note.className = "sb-only-you";
      note.textContent = "Only visible to you";
      box.appendChild(note);
    }
    const body = document.createElement("div");
    body.innerHTML = m.html; // drawn and escaped by the server (sandbox/render.py)
    box.appendChild(body);
    messages.appendChild(box);
  }
  messages.scrollTop = messages.scrollHeight;

  const home = $("home");
  home.dataset.source = JSON.stringify({ type: "home" });
  home.innerHTML = state.home ? state.home.html : "<p>Nothing published yet.</p>";
  home.hidden = view.tab !== "home";
  messages.hidden = view.tab === "home";
  $("composer").hidden = view.tab === "home";

  const modal = state.modal;
  $("modal-backdrop").hidden = !modal;
  if (modal) {
    $("modal-title").textContent = modal.title;
    const body = $("modal-body");
    body.dataset.source = JSON.stringify({ type: "modal", view_id: modal.id });
    body.dataset.viewId = modal.id;
    body.innerHTML = modal.html; // drawn and escaped by the server
    $("modal-submit").hidden = !modal.submit;
    $("modal-submit").textContent = modal.submit || "Submit";
    $("modal-close").textContent = modal.close || "Cancel";
  }
  showNotices(state.notices || []);
}

function modalValues() {
  const values = {};
  for (const input of $("modal-body").querySelectorAll(".sb-input")) {
    const block = input.dataset.block;
    const type = input.dataset.type;
    if (type === "checkboxes") {
      values[block] = [...input.querySelectorAll("input:checked")].map((i) => i.value);
    } else if (type === "radio_buttons") {
      const chosen = input.querySelector("input:checked");
      values[block] = chosen ? chosen.value : "";
    } else if (type === "multi_static_select") {
      values[block] = [...input.querySelector("select").selectedOptions].map((o) => o.value);
    } else {
      const field = input.querySelector("input, textarea, select");
      values[block] = field ? field.value : "";
    }
  }
  return values;
}

function sourceOf(element) {
  const holder = element.closest("[data-source]");
  return holder && holder.dataset.source ? JSON.parse(holder.dataset.source) : null;
}

async function act(element, selected) {
  const source = sourceOf(element);
  if (!source) return;
  const body = {
    source, block_id: element.dataset.block, action_id: element.dataset.action, selected,
  };
  if (source.type === "modal") body.values = modalValues();
  await post("action", body);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest(".sb-action");
  if (!button) return;
  if (button.tagName !== "A") event.preventDefault();
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  act(button, null);
});

document.addEventListener("change", (event) => {
  const select = event.target.closest(".sb-select");
  if (select) act(select, select.value);
});

$("person").addEventListener("change", () => {
  view.user = $("person").value;
  view.channel = null;
  view.tab = "messages";
  load();
});

$("tab-home").addEventListener("click", () => { view.tab = "home"; post("home", {}); });

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("composer-text").value.trim();
  if (!text) return;
  $("composer-text").value = "";
  await post("command", { text });
});

$("modal-submit").addEventListener("click", () => {
  post("submit", { view_id: $("modal-body").dataset.viewId, values: modalValues() });
});

$("modal-close").addEventListener("click", () => {
  post("close", { view_id: $("modal-body").dataset.viewId });
});

for (const step of ["day", "week", "month"]) {
  $("forward-" + step).addEventListener("click", async () => {
    const data = await post("forward", { step });
    if (data && data.result) {
      $("forward-result").textContent =
        `Reminders: ${data.result.sent} sent, ${data.result.postponed} postponed`;
    }
  });
}

$("reset").addEventListener("click", async () => {
  if (!window.confirm("Start again from the freshly seeded demo program?")) return;
  view.channel = null;
  view.tab = "messages";
  const data = await post("reset", {});
  if (data) $("forward-result").textContent = "Reset: " + data.result.seeded;
});

load();
