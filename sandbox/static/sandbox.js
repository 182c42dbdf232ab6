// The sandbox page: asks the sandbox for what the chosen person sees and draws it; every
// click, choice and submission goes back to the sandbox, which sends it to the bot as
// Slack would. The HTML of messages, the Home tab and modals is drawn (and escaped) by
// the server; this file wires it up, formats Slack's date tokens for the reader, and
// redraws only the messages that changed.
"use strict";

const view = { user: null, channel: null, tab: "welcome", state: null };
const $ = (id) => document.getElementById(id);
// Made when the sandbox started; without it the sandbox refuses every request, so no other
// web page can drive it.
const token = document.querySelector('meta[name="sandbox-token"]').content;
const drawnMessages = new Map(); // key -> element, so an unchanged message is not redrawn
let busy = 0;

async function api(path, body) {
  const options = { headers: { "X-Sandbox-Token": token } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  setBusy(1);
  try {
    // The page draws the HTML; it needs no text or Block Kit of the messages (?detail=0).
  const response = await fetch("/sandbox/api/" + path + (path.includes("?") ? "&" : "?")
    + "detail=0", options);
    const data = await response.json();
    if (!response.ok) { showNotices([data.error || "Something went wrong"]); return null; }
    return data;
  } finally {
    setBusy(-1);
  }
}

function setBusy(change) {
  busy += change;
  document.body.classList.toggle("sb-busy", busy > 0);
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

// -- Slack's date tokens, in the reader's locale and time zone --------------------------

const DAY = 86400000;
const KNOWN_TOKENS = new Set([
  "date_num", "date_slash", "date", "date_short", "date_long", "date_long_full", "date_pretty",
  "date_short_pretty", "date_long_pretty", "time", "time_secs", "day_divider_pretty", "ago",
]);

function ordinal(day) {
  const rest = day % 100;
  if (rest >= 11 && rest <= 13) return day + "th";
  return day + ({ 1: "st", 2: "nd", 3: "rd" }[day % 10] || "th");
}

// Making an Intl formatter costs far more than using one: keep them.
const formatters = new Map();
function formatter(locale, options) {
  const key = locale + JSON.stringify(options);
  let found = formatters.get(key);
  if (!found) {
    found = options.relative ? new Intl.RelativeTimeFormat(locale, { numeric: "auto" })
      : new Intl.DateTimeFormat(locale, options);
    formatters.set(key, found);
  }
  return found;
}

function partsOf(when, zone, locale, options) {
  const parts = {};
  for (const part of formatter(locale, { timeZone: zone, ...options }).formatToParts(when)) {
    parts[part.type] = part.value;
  }
  return parts;
}

// The calendar day `when` falls on in `zone`, as a number of days, to compare two dates.
function dayNumber(when, zone) {
  const p = partsOf(when, zone, "en-US",
    { year: "numeric", month: "numeric", day: "numeric" });
  return Date.UTC(+p.year, +p.month - 1, +p.day) / DAY;
}

function formatDate(seconds, template, zone, now, locale) {
  const when = new Date(seconds * 1000);
  const english = locale.toLowerCase().startsWith("en");
  const p = partsOf(when, zone, english ? "en-US" : locale,
    { weekday: "long", year: "numeric", month: "long", day: "numeric" });
  const day = +partsOf(when, zone, "en-US", { day: "numeric" }).day;
  const short = partsOf(when, zone, english ? "en-US" : locale, { month: "short" }).month;
  const style = (dateStyle) => formatter(locale, { timeZone: zone, dateStyle }).format(when);
  const long = english ? `${p.weekday}, ${p.month} ${ordinal(day)}, ${p.year}` : style("full");
  const plainDate = english ? `${p.month} ${ordinal(day)}, ${p.year}` : style("long");
  const shortDate = english ? `${short} ${day}, ${p.year}` : style("medium");
  const offset = dayNumber(when, zone) - dayNumber(now, zone);
  const relative = { "-1": "yesterday", 0: "today", 1: "tomorrow" }[offset];
  const capital = (word) => word.charAt(0).toUpperCase() + word.slice(1);
  const numeric = partsOf(when, zone, "en-US",
    { year: "numeric", month: "2-digit", day: "2-digit" });
  const sameYear = partsOf(now, zone, "en-US", { year: "numeric" }).year === p.year;
  const clock = (withSeconds) => formatter(locale, {
    timeZone: zone, hour: "numeric", minute: "2-digit",
    ...(withSeconds ? { second: "2-digit" } : {}),
  }).format(when);
  const ago = () => {
    const minutes = Math.round((now - when) / 60000);
    const words = formatter(locale, { relative: true });
    if (Math.abs(minutes) < 60) return words.format(-minutes, "minute");
    if (Math.abs(minutes) < 1440) return words.format(-Math.round(minutes / 60), "hour");
    return words.format(-Math.round(minutes / 1440), "day");
  };
  const tokens = {
    date_num: `${numeric.year}-${numeric.month}-${numeric.day}`,
    date_slash: formatter(locale,
      { timeZone: zone, day: "2-digit", month: "2-digit", year: "numeric" }).format(when),
    date: plainDate,
    date_short: shortDate,
    date_long: long,
    date_long_full: english ? `${p.month} ${day}, ${p.year}` : plainDate,
    date_pretty: relative || plainDate,
    date_short_pretty: relative || shortDate,
    date_long_pretty: relative || long,
    time: clock(false),
    time_secs: clock(true),
    day_divider_pretty: relative ? capital(relative)
      : (sameYear ? (english ? `${p.weekday}, ${p.month} ${ordinal(day)}`
        : formatter(locale, { timeZone: zone, weekday: "long", month: "long",
          day: "numeric" }).format(when)) : long),
  };
  let unknown = false;
  const text = template.replace(/\{([a-z_]+)\}/g, (whole, name) => {
    if (!KNOWN_TOKENS.has(name)) { unknown = true; return whole; }
    const value = name === "ago" ? ago() : tokens[name];
    // At the start of the text a relative word is capitalised, as Slack does.
    return relative && name.endsWith("_pretty") && template.startsWith(whole)
      ? capital(value) : value;
  });
  return unknown ? null : text;
}

function formatDates(root, state) {
  const zone = state.viewer.tz;
  const now = new Date(state.clock);
  const locale = navigator.language || "en-US";
  for (const time of root.querySelectorAll("time.sb-date[data-ts]")) {
    if (!time.dataset.fallback) time.dataset.fallback = time.textContent;
    let text = null;
    try {
      text = formatDate(+time.dataset.ts, time.dataset.format, zone, now, locale);
    } catch (error) {
      text = null; // an unknown time zone or locale: the fallback stays, as in Slack
    }
    time.textContent = text === null ? time.dataset.fallback : text;
    time.title = new Date(+time.dataset.ts * 1000).toLocaleString(locale, { timeZone: zone });
  }
}

// -- drawing ----------------------------------------------------------------------------

function draw(state) {
  if (!state) return;
  view.state = state;
  view.user = state.user;
  view.channel = state.channel;
  drawPeople(state);
  $("clock").textContent = state.clock_label;
  drawConversations(state);
  const current = state.conversations.find((c) => c.id === state.channel);
  const titles = { welcome: "Welcome", home: "Sounding Board · Home" };
  $("title").textContent = titles[view.tab] || (current ? current.label : "");
  drawMessages(state);
  drawHome(state);
  drawWelcome(state);
  for (const [name, holder] of
    [["welcome", "welcome"], ["home", "home"], ["messages", "messages"]]) {
    $(holder).hidden = view.tab !== name;
  }
  $("composer").hidden = view.tab !== "messages";
  $("composer-text").placeholder = current && current.kind === "im"
    ? "Type a slash command, e.g. /find-coach budget"
    : `Message ${current ? current.label : ""}, or type a slash command`;
  drawModal(state);
  showNotices(state.notices || []);
  document.dispatchEvent(new CustomEvent("sandbox:drawn"));
}

function drawPeople(state) {
  const person = $("person");
  if (!person.options.length) {
    const groups = {
      newcomer: "Not registered yet", learner: "Learners", coach: "Coaches",
      coordinator: "Coordinator",
    };
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
  const roles = { newcomer: "not registered yet" };
  $("whoami").textContent = me ? `${me.title} · ${roles[me.role] || me.role}` : "";
}

function drawConversations(state) {
  const list = $("conversations");
  list.textContent = "";
  for (const c of state.conversations) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.channel = c.id;
    const label = document.createElement("span");
    label.textContent = c.label;
    button.appendChild(label);
    if (c.unread) {
      const badge = document.createElement("span");
      badge.className = "sb-unread";
      badge.textContent = c.unread;
      badge.title = `${c.unread} unread`;
      button.appendChild(badge);
    }
    button.className = (view.tab === "messages" && c.id === state.channel ? "active" : "")
      + (c.unread ? " sb-has-unread" : "");
    button.addEventListener("click", () => openConversation(c.id));
    item.appendChild(button);
    list.appendChild(item);
  }
  $("tab-home").className = "sb-link" + (view.tab === "home" ? " active" : "");
  $("tab-welcome").className = "sb-link" + (view.tab === "welcome" ? " active" : "");
}

function openConversation(channel) {
  view.tab = "messages";
  view.channel = channel;
  return load();
}

const dayLabels = new Map();
function dayLabel(seconds, state) {
  const locale = navigator.language || "en-US";
  const zone = state.viewer.tz;
  const key = [dayNumber(new Date(seconds * 1000), zone), dayNumber(new Date(state.clock), zone),
    zone, locale].join();
  if (!dayLabels.has(key)) {
    dayLabels.set(key, formatDate(seconds, "{day_divider_pretty}", zone, new Date(state.clock),
      locale));
  }
  return dayLabels.get(key);
}

function messageElement(m, state) {
  const box = document.createElement("div");
  box.className = "sb-message" + (m.ephemeral ? " sb-ephemeral" : "");
  box.dataset.source = JSON.stringify(m.source);
  box.dataset.ts = m.ts;
  const head = document.createElement("div");
  head.className = "sb-head";
  const author = document.createElement("span");
  author.className = "sb-author";
  author.textContent = m.author;
  head.appendChild(author);
  const time = document.createElement("time");
  time.className = "sb-date sb-posted";
  time.dataset.ts = Math.floor(+m.ts);
  time.dataset.format = "{time}";
  head.appendChild(time);
  box.appendChild(head);
  if (m.ephemeral) {
    const note = document.createElement("div");
    note.className = "sb-only-you";
    note.textContent = "Only visible to you";
    box.appendChild(note);
  }
  const body = document.createElement("div");
  body.className = "sb-body";
  body.innerHTML = m.html; // drawn and escaped by the server (sandbox/render.py)
  box.appendChild(body);
  formatDates(box, state);
  return box;
}

function drawMessages(state) {
  const messages = $("messages");
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  const today = String(dayNumber(new Date(state.clock), state.viewer.tz));
  // Another conversation, another reader, or another day ("today" in a message moves on).
  const channelChanged = messages.dataset.channel !== state.channel
    || messages.dataset.user !== state.user || messages.dataset.today !== today;
  if (channelChanged) {
    messages.textContent = "";
    drawnMessages.clear();
  }
  const wanted = [];
  let lastDay = null;
  let added = false;
  for (const m of state.messages) {
    const day = dayLabel(Math.floor(+m.ts), state);
    if (day !== lastDay) {
      const key = "day:" + day;
      let divider = drawnMessages.get(key);
      if (!divider) {
        divider = document.createElement("div");
        divider.className = "sb-day";
        divider.textContent = day;
        drawnMessages.set(key, divider);
      }
      wanted.push(divider);
      lastDay = day;
    }
    const key = m.source.type + ":" + m.ts + ":" + m.key;
    let element = drawnMessages.get(key);
    if (!element) {
      element = messageElement(m, state);
      drawnMessages.set(key, element);
      added = true;
    }
    wanted.push(element);
  }
  const keep = new Set(wanted);
  for (const [key, element] of drawnMessages) {
    if (!keep.has(element)) { element.remove(); drawnMessages.delete(key); }
  }
  let cursor = messages.firstChild;
  for (const element of wanted) {
    if (element === cursor) cursor = cursor.nextSibling;
    else messages.insertBefore(element, cursor);
  }
  if (!state.messages.length) {
    const empty = document.createElement("p");
    empty.className = "sb-empty";
    empty.textContent = "No messages yet.";
    messages.textContent = "";
    messages.appendChild(empty);
    drawnMessages.clear();
  } else {
    for (const stray of messages.querySelectorAll(":scope > .sb-empty")) stray.remove();
  }
  messages.dataset.channel = state.channel;
  messages.dataset.user = state.user;
  messages.dataset.today = today;
  if (channelChanged || (added && atBottom)) messages.scrollTop = messages.scrollHeight;
}

function drawHome(state) {
  const home = $("home");
  home.dataset.source = JSON.stringify({ type: "home" });
  if (home.dataset.drawn !== (state.home ? state.home.html : "")) {
    home.innerHTML = state.home ? state.home.html
      : "<p class=\"sb-empty\">Nothing published yet.</p>"; // drawn and escaped by the server
    home.dataset.drawn = state.home ? state.home.html : "";
  }
  formatDates(home, state);
}

function drawWelcome(state) {
  const w = state.welcome;
  for (const link of $("welcome").querySelectorAll("[data-who]")) {
    const who = w[link.dataset.who];
    link.dataset.person = who.id;
    if (link.dataset.fill === "name") link.textContent = who.name;
  }
  for (const name of $("welcome").querySelectorAll("[data-name]")) {
    name.textContent = w[name.dataset.name].name;
  }
  $("welcome-team").textContent = w.team;
  $("welcome-group").dataset.channel = w.group || "";
  $("welcome-group").hidden = !w.group;
}

function drawModal(state) {
  const modal = state.modal;
  $("modal-backdrop").hidden = !modal;
  if (!modal) return;
  $("modal-title").textContent = modal.title;
  const body = $("modal-body");
  body.dataset.source = JSON.stringify({ type: "modal", view_id: modal.id });
  if (body.dataset.viewId !== modal.id || body.dataset.drawn !== modal.html) {
    body.dataset.viewId = modal.id;
    body.dataset.drawn = modal.html;
    body.innerHTML = modal.html; // drawn and escaped by the server
    const problem = body.querySelector(".sb-invalid input, .sb-invalid textarea, "
      + ".sb-invalid select");
    if (problem) problem.focus();
  }
  formatDates(body, state);
  $("modal-submit").hidden = !modal.submit;
  $("modal-submit").textContent = modal.submit || "Submit";
  $("modal-close").textContent = modal.depth > 1 ? "Back" : (modal.close || "Cancel");
}

// -- acting -------------------------------------------------------------------------------

function modalValues() {
  const values = {};
  for (const input of $("modal-body").querySelectorAll(".sb-input")) {
    values[input.dataset.block] = valueOf(input, input.dataset.type);
  }
  return values;
}

// What a control (an input block, or an element in a message) holds now, as Slack reports.
function valueOf(holder, kind) {
  if (kind === "checkboxes") {
    return [...holder.querySelectorAll("input:checked")].map((i) => i.value);
  }
  if (kind === "radio_buttons") {
    const chosen = holder.querySelector("input:checked");
    return chosen ? chosen.value : "";
  }
  const field = holder.matches("input, textarea, select") ? holder
    : holder.querySelector("input, textarea, select");
  if (!field) return "";
  if (field.multiple) return [...field.selectedOptions].map((o) => o.value);
  return field.value;
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

// Slack's confirm dialog: the element's title, text and buttons, before the action is sent.
function confirmed(element) {
  if (!element.dataset.confirm) return Promise.resolve(true);
  const confirm = JSON.parse(element.dataset.confirm);
  const dialog = $("confirm");
  $("confirm-title").textContent = confirm.title;
  $("confirm-text").textContent = confirm.text;
  $("confirm-yes").textContent = confirm.confirm;
  $("confirm-yes").className = confirm.style === "danger" ? "sb-danger" : "sb-primary";
  $("confirm-no").textContent = confirm.deny;
  return new Promise((resolve) => {
    const answer = (yes) => {
      dialog.removeEventListener("close", closed);
      if (dialog.open) dialog.close();
      resolve(yes);
    };
    const closed = () => answer(false);
    dialog.addEventListener("close", closed);
    $("confirm-yes").onclick = () => answer(true);
    $("confirm-no").onclick = () => answer(false);
    dialog.showModal();
  });
}

async function download(button) {
  const query = new URLSearchParams({ user: view.user, file: button.dataset.file });
  setBusy(1);
  try {
    const response = await fetch("/sandbox/api/file?" + query.toString(),
      { headers: { "X-Sandbox-Token": token } });
    if (!response.ok) { showNotices(["That file is not in your conversations."]); return; }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = button.dataset.name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } finally {
    setBusy(-1);
  }
}

document.addEventListener("click", async (event) => {
  const file = event.target.closest(".sb-download");
  if (file) { download(file); return; }
  const go = event.target.closest("[data-go]");
  if (go) { event.preventDefault(); follow(go); return; }
  const button = event.target.closest(".sb-action");
  if (!button) return;
  const link = button.tagName === "A";
  if (!link) event.preventDefault();
  if (link && button.dataset.confirm) event.preventDefault();
  if (!(await confirmed(button))) return;
  if (link && button.dataset.confirm) window.open(button.href, "_blank", "noopener");
  act(button, null);
});

document.addEventListener("change", async (event) => {
  const control = event.target.closest(".sb-control");
  if (control) {
    if (await confirmed(control)) act(control, valueOf(control, control.dataset.kind));
    else load();
    return;
  }
  const dispatching = event.target.closest(".sb-input[data-dispatch]");
  if (dispatching) act(dispatching, valueOf(dispatching, dispatching.dataset.type));
});

// The welcome screen's links: act as someone, open a conversation or the Home tab, or
// put a command in the composer.
async function follow(link) {
  if (link.dataset.person) {
    view.user = link.dataset.person;
    view.channel = null;
  }
  const where = link.dataset.go;
  if (where === "home") {
    view.tab = "home";
    await post("home", {});
  } else if (where === "group") {
    await openConversation(link.dataset.channel || $("welcome-group").dataset.channel);
  } else {
    await openConversation(null);
  }
  if (link.dataset.command) {
    $("composer-text").value = link.dataset.command;
    $("composer-text").focus();
  }
}

$("person").addEventListener("change", () => {
  view.user = $("person").value;
  view.channel = null;
  if (view.tab === "home") post("home", {});
  else { view.tab = "messages"; load(); }
});

$("tab-home").addEventListener("click", () => { view.tab = "home"; post("home", {}); });
$("tab-welcome").addEventListener("click", () => { view.tab = "welcome"; load(); });

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

function forwardSummary(result) {
  const parts = [`${result.sent} sent`];
  if (result.failed) parts.push(`${result.failed} failed`);
  if (result.postponed) parts.push(`${result.postponed} postponed to working hours`);
  const summary = $("forward-result");
  summary.textContent = `Reminders: ${parts.join(", ")}.`;
  summary.className = result.failed ? "sb-failed" : "";
  for (const failure of result.failures || []) {
    const line = document.createElement("div");
    line.className = "sb-failure";
    line.textContent = failure;
    summary.appendChild(line);
  }
}

for (const step of ["day", "week", "month"]) {
  $("forward-" + step).addEventListener("click", async () => {
    const data = await post("forward", { step });
    if (data && data.result) forwardSummary(data.result);
  });
}

$("reset").addEventListener("click", async () => {
  if (!window.confirm("Start again from the freshly seeded demo program?")) return;
  view.channel = null;
  view.tab = "welcome";
  const data = await post("reset", {});
  if (data) $("forward-result").textContent = "Reset: " + data.result.seeded;
});

load();
