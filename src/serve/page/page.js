// revsim serve: the what-if page. Plain JavaScript, no library. The page's state (scenario,
// overrides and pinned what-ifs) lives in the address:
// ?s=FILE&set=KEY=VALUE&...&earlier=N&add=N&pin=[earlier,add,"KEY=VALUE",...]&pin=...
"use strict";

const token = document.querySelector('meta[name="revsim-token"]').content;
const $ = (id) => document.getElementById(id);
let scenarios = [];      // the folder's scenarios, as listed
let current = null;      // the listed scenario shown
let running = null;      // AbortController of the computation in flight
let generation = 0;      // bumped by every change: older answers are dropped
let debounce = null;
let shown = null;        // the answer on the page, with the state it answers
let pins = [];           // pinned what-ifs: { st: {sets, earlier, add}, answer, error }

async function api(path, body, signal) {
  const r = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Revsim-Token": token },
    body: JSON.stringify(body || {}),
    signal,
  });
  return r;
}

function pct(p) {
  if (p === null || p === undefined || !isFinite(p)) return "-";
  const v = p * 100;
  if (v > 0 && v < 0.05) return "<0.1%";
  if (v < 100 && v > 99.95) return ">99.9%";
  if ((v > 0 && v < 0.5) || (v >= 99.5 && v < 100)) return v.toFixed(1) + "%";
  return v.toFixed(0) + "%";
}
function usd(v) {
  if (v === null || v === undefined || !isFinite(v)) return "-";
  const a = Math.abs(v), s = v < 0 ? "-" : "";
  const f = (x, u) => { const d = x >= 100 ? 0 : x >= 10 ? 1 : 1; return s + "$" + x.toFixed(d).replace(/\.0$/, "") + u; };
  if (a >= 1e9) return f(a / 1e9, "B");
  if (a >= 1e6) return f(a / 1e6, "M");
  if (a >= 1e3) return f(a / 1e3, "K");
  return s + "$" + a.toFixed(0);
}
function signedUsd(v) { return v > 0 ? "+" + usd(v) : usd(v); }
function pts(v, k) { const t = (v * 100).toFixed(k || 0); return /^-?[0.]+$/.test(t) ? (0).toFixed(k || 0) : (v > 0 ? "+" : "") + t; }
function ptsDecimals(d) { return d.ci95_high - d.ci95_low < 0.04 ? 1 : 0; }
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

// ---- the address -------------------------------------------------------------------------------

function readState() {
  const q = new URLSearchParams(location.search);
  return {
    s: q.get("s"),
    sets: q.getAll("set"),
    earlier: parseInt(q.get("earlier") || "0", 10) || 0,
    add: parseInt(q.get("add") || "0", 10) || 0,
    pins: q.getAll("pin").map(readPin).filter((p) => p),
  };
}
// A pin in the address: [earlier, add, "KEY=VALUE", ...].
function readPin(text) {
  try {
    const v = JSON.parse(text);
    if (!Array.isArray(v) || v.length < 2) return null;
    return { sets: v.slice(2).map(String), earlier: parseInt(v[0], 10) || 0, add: parseInt(v[1], 10) || 0 };
  } catch (e) { return null; }
}
function pinText(st) { return JSON.stringify([st.earlier, st.add, ...st.sets]); }
function writeState(st, push) {
  const q = new URLSearchParams();
  if (st.s) q.set("s", st.s);
  for (const s of st.sets) q.append("set", s);
  if (st.earlier) q.set("earlier", String(st.earlier));
  if (st.add) q.set("add", String(st.add));
  for (const p of st.pins || []) q.append("pin", pinText(p));
  const url = "?" + q.toString();
  if (url !== location.search) (push ? history.pushState : history.replaceState).call(history, null, "", url);
}

// ---- the plan's pace ---------------------------------------------------------------------------

function shiftMonth(m, back) {
  const [y, mo] = m.split("-").map(Number);
  const i = y * 12 + (mo - 1) - back;
  return Math.floor(i / 12) + "-" + String((i % 12) + 1).padStart(2, "0");
}
// The `--set hiring.headcount_plan=[...]` for the plan moved earlier and added to, or null.
function planSet(plan, earlier, add) {
  if (!plan || !plan.length || (!earlier && !add)) return null;
  const pts = plan.map(([m, s]) => `{ month = "${shiftMonth(m, earlier)}", seats = ${Math.max(0, s + add)} }`);
  return "hiring.headcount_plan=[" + pts.join(", ") + "]";
}

// ---- the controls ------------------------------------------------------------------------------

function fileValue(key) {
  const c = (current.controls || []).find((c) => c.key === key);
  return c ? c.value : undefined;
}

function buildControls(st) {
  const fields = $("fields");
  fields.replaceChildren();
  const known = new Set();
  for (const c of current.controls) {
    known.add(c.key);
    const set = st.sets.find((s) => s.split("=")[0].trim() === c.key);
    const input = el("input", { "data-key": c.key, id: "c-" + c.key, placeholder: c.value === null ? "not set in the file" : "" });
    input.value = set ? set.slice(set.indexOf("=") + 1) : (c.value ?? "");
    const was = el("span", { class: "was", text: c.value === null ? " (not in the file)" : "" });
    fields.append(el("div", { class: "field" },
      el("label", { for: "c-" + c.key, text: c.label }, was),
      input,
      el("div", { class: "error", "data-error-for": c.key })));
  }
  $("extra").replaceChildren();
  for (const s of st.sets) {
    const key = s.split("=")[0].trim();
    if (!known.has(key)) addExtra(key, s.slice(s.indexOf("=") + 1));
  }
  const hasPlan = current.plan && current.plan.length;
  $("plan-box").hidden = !hasPlan;
  $("plan-earlier").value = st.earlier;
  $("plan-seats").value = st.add;
  $("plan-now").textContent = hasPlan ? "In the file: " + current.plan.map(([m, s]) => `${s} seats from ${m}`).join(", ") : "";
  markChanged();
  $("controls-box").hidden = false;
}

function addExtra(key, value) {
  const k = el("input", { placeholder: "key, e.g. ramp.curve", "data-extra": "key", "aria-label": "key" });
  const v = el("input", { placeholder: "value", "data-extra": "value", "aria-label": "value" });
  k.value = key || ""; v.value = value || "";
  const row = el("div", { class: "extra-row" }, k, v, el("button", { type: "button", text: "×", title: "remove" }));
  row.querySelector("button").addEventListener("click", () => { row.remove(); changed(); });
  const err = el("div", { class: "error" });
  const wrap = el("div", {}, row, err);
  k.addEventListener("input", () => { err.setAttribute("data-error-for", k.value.trim()); });
  err.setAttribute("data-error-for", (key || "").trim());
  $("extra").append(wrap);
}

// The page's overrides, as `--set` takes them.
function collect() {
  const sets = [];
  for (const input of $("fields").querySelectorAll("input[data-key]")) {
    const key = input.dataset.key, v = input.value.trim(), was = fileValue(key);
    if (v !== "" && v !== (was ?? "")) sets.push(key + "=" + v);
  }
  for (const row of $("extra").querySelectorAll(".extra-row")) {
    const [k, v] = row.querySelectorAll("input");
    if (k.value.trim() && v.value.trim()) sets.push(k.value.trim() + "=" + v.value.trim());
  }
  const earlier = parseInt($("plan-earlier").value, 10) || 0;
  const add = parseInt($("plan-seats").value, 10) || 0;
  return { s: current.file, sets, earlier, add, pins: pins.map((p) => p.st) };
}

function markChanged() {
  for (const input of $("fields").querySelectorAll("input[data-key]")) {
    const v = input.value.trim(), was = fileValue(input.dataset.key) ?? "";
    input.classList.toggle("changed", v !== "" && v !== was);
  }
}

function changed() {
  markChanged();
  clearTimeout(debounce);
  debounce = setTimeout(() => { const st = collect(); writeState(st, false); compute(st); }, 150);
}

// ---- the answer --------------------------------------------------------------------------------

function showErrors(errors) {
  for (const e of document.querySelectorAll("[data-error-for]")) e.textContent = "";
  for (const i of document.querySelectorAll("input.bad")) i.classList.remove("bad");
  for (const e of errors || []) {
    let box = e.key === null ? null : document.querySelector(`[data-error-for="${CSS.escape(e.key)}"]`);
    if (e.key !== null) {
      const input = document.querySelector(`input[data-key="${CSS.escape(e.key)}"]`);
      if (input) input.classList.add("bad");
    }
    if (!box) box = document.querySelector('[data-error-for=""]');
    box.textContent += (box.textContent ? "\n" : "") + e.message;
  }
}

function ci(p) { return p ? ` <span class="ci">${pct(p.ci95_low)}–${pct(p.ci95_high)}</span>` : ""; }

function render(a) {
  $("empty").hidden = true;
  $("answer").hidden = false;
  $("title").textContent = `${a.scenario} (${a.file})`;
  const st = $("status");
  st.classList.toggle("prelim", a.preliminary);
  const n = a.trials.toLocaleString("en-US");
  st.textContent = a.preliminary
    ? `${n} of ${a.full_trials.toLocaleString("en-US")} trials, seed ${a.seed}: refining…`
    : `${n} trials, seed ${a.seed}, ${(a.millis / 1000).toFixed(1)} s` + (a.capped ? " (capped by --max-trials)" : "");
  const list = $("sentences");
  list.replaceChildren();
  for (const p of a.periods) if (p.sentence) {
    const up = p.p_hit_plan_change ? p.p_hit_plan_change.value : (p.p50_change_usd ? p.p50_change_usd.value : 0);
    list.append(el("li", { class: up > 0 ? "up" : up < 0 ? "down" : "", text: p.sentence }));
  }
  if (!a.sets.length) list.append(el("li", { class: "muted", text: "The file as it is: change a setting to see what it does." }));
  const v = a.sets.length > 0;
  let h = "<thead><tr><th>Period</th><th>Plan</th>";
  h += v ? "<th>P(hit plan): file → what if</th><th>change, pts</th><th>% of plan</th><th>P50 bookings: file → what if</th><th>change</th>"
         : "<th>P(hit plan)</th><th>% of plan</th><th>P10</th><th>P50</th><th>P90</th>";
  h += "</tr></thead><tbody>";
  for (const p of a.periods) {
    const f = p.file, w = p.variant;
    h += `<tr><td>${p.label === "horizon" ? "Horizon (" + p.months + " mo)" : p.label + (p.months < 12 ? " (" + p.months + " mo)" : "")}</td><td>${usd(p.plan_usd)}</td>`;
    if (v && w) {
      const d = p.p_hit_plan_change, m = p.p50_change_usd;
      h += `<td>${f.p_hit_plan ? pct(f.p_hit_plan.p) : "-"} → ${w.p_hit_plan ? "<b>" + pct(w.p_hit_plan.p) + "</b>" + ci(w.p_hit_plan) : "-"}</td>`;
      if (d) { const k = ptsDecimals(d); h += `<td>${pts(d.value, k)}` + (isFinite(d.ci95_low) ? ` <span class="ci">${pts(d.ci95_low, k)} to ${pts(d.ci95_high, k)}</span>` : "") + "</td>"; } else h += "<td>-</td>";
      h += `<td>${pct(w.share_of_plan)}</td><td>${usd(f.p50_usd)} → <b>${usd(w.p50_usd)}</b></td>`;
      h += `<td>${m ? signedUsd(m.value) + (isFinite(m.ci95_low) ? ` <span class="ci">${signedUsd(m.ci95_low)} to ${signedUsd(m.ci95_high)}</span>` : "") : "-"}</td>`;
    } else {
      h += `<td>${f.p_hit_plan ? "<b>" + pct(f.p_hit_plan.p) + "</b>" + ci(f.p_hit_plan) : "-"}</td><td>${pct(f.share_of_plan)}</td><td>${usd(f.p10_usd)}</td><td>${usd(f.p50_usd)}</td><td>${usd(f.p90_usd)}</td>`;
    }
    h += "</tr>";
  }
  $("years").innerHTML = h + "</tbody>";
  $("warnings").replaceChildren(...a.warnings.map((w) => el("p", { class: "warning", text: w })));
  // The SVGs come from this server, drawn by revsim's chart code.
  $("charts").innerHTML = a.charts.map((c) => `<figure aria-label="${c.title.replace(/"/g, "&quot;")}">${c.svg}</figure>`).join("");
  $("command").textContent = a.command;
}

// ---- pinned what-ifs, side by side --------------------------------------------------------------

// The what-if in words: "Attrition, share a year = 0.4; hiring plan 2 months earlier".
function describe(st) {
  const parts = st.sets.map((s) => {
    const i = s.indexOf("="), key = s.slice(0, i).trim();
    const c = (current.controls || []).find((c) => c.key === key);
    return (c ? c.label : key) + " = " + s.slice(i + 1).trim();
  });
  if (st.earlier) parts.push(`hiring plan ${st.earlier} month${st.earlier === 1 ? "" : "s"} earlier`);
  if (st.add) parts.push(`${st.add > 0 ? "+" : ""}${st.add} seats on every step of the plan`);
  return parts.join("; ");
}
function sameState(a, b) { return pinText(a) === pinText(b); }
function withPlan(st) {
  const sets = st.sets.slice();
  const plan = planSet(current.plan, st.earlier, st.add);
  if (plan) sets.push(plan);
  return sets;
}

// Runs the pins that have no answer yet, one after another (one simulation per page); a newer
// change stops this and runs them after its own answer.
async function fillPins(my, ctl) {
  for (const p of pins) {
    if (p.answer || p.error) continue;
    const r = await api("/api/run", { scenario: current.file, sets: withPlan(p.st), preliminary: false }, ctl.signal);
    if (my !== generation) return;
    if (r.status === 409) return;
    if (r.ok) p.answer = await r.json();
    else p.error = r.status === 422 ? (await r.json()).errors.map((e) => e.message).join("\n") : await r.text();
    if (my !== generation) return;
    renderPins();
  }
}

function pinCell(p, i) {
  if (!p) return "<td>-</td>";
  const w = p.variant, d = p.p_hit_plan_change, m = p.p50_change_usd;
  let h = "<td>";
  if (w && w.p_hit_plan) {
    h += `<b>${pct(w.p_hit_plan.p)}</b>`;
    if (d) { const k = ptsDecimals(d); h += ` (${pts(d.value, k)} pts)` + (isFinite(d.ci95_low) ? `<span class="ci">${pts(d.ci95_low, k)} to ${pts(d.ci95_high, k)} pts</span>` : ""); }
  } else h += "-";
  if (w) h += `<span class="p50">P50 ${usd(w.p50_usd)}` + (m ? ` (${signedUsd(m.value)})` : "") + "</span>";
  return h + "</td>";
}

function renderPins() {
  const box = $("pins-box");
  box.hidden = !pins.length;
  if (!pins.length) return;
  const done = pins.filter((p) => p.answer);
  const first = done.length ? done[0].answer : null;
  let h = "<thead><tr><th>Period</th><th>File</th>";
  pins.forEach((p, i) => {
    h += `<th data-pin="${i}"><span class="pin-label"></span> <button type="button" class="pin-show" title="show this what-if">show</button> <button type="button" class="pin-remove" title="unpin">×</button></th>`;
  });
  h += "</tr></thead><tbody>";
  const periods = first ? first.periods : [];
  for (const [row, per] of periods.entries()) {
    const f = per.file;
    h += `<tr><td>${per.label === "horizon" ? "Horizon (" + per.months + " mo)" : per.label}</td>`;
    h += `<td>${f.p_hit_plan ? pct(f.p_hit_plan.p) : "-"}<span class="p50">P50 ${usd(f.p50_usd)}</span></td>`;
    for (const p of pins) {
      if (p.answer) h += pinCell(p.answer.periods.find((q) => q.label === per.label) || p.answer.periods[row]);
      else h += `<td class="muted">${p.error ? "does not run" : "running…"}</td>`;
    }
    h += "</tr>";
  }
  if (!first) h += `<tr><td colspan="${pins.length + 2}" class="muted">running…</td></tr>`;
  $("pinned").innerHTML = h + "</tbody>";
  // Labels as text (a value typed into a control is never markup).
  for (const th of $("pinned").querySelectorAll("th[data-pin]")) {
    const i = Number(th.dataset.pin), p = pins[i];
    th.querySelector(".pin-label").textContent = `${i + 1}. ` + describe(p.st);
    if (p.error) th.title = p.error;
    th.querySelector(".pin-show").addEventListener("click", () => open(Object.assign({ s: current.file, pins: pins.map((q) => q.st) }, p.st), true));
    th.querySelector(".pin-remove").addEventListener("click", () => { pins.splice(i, 1); writeState(collect(), true); renderPins(); updatePin(); });
  }
  const a = first;
  $("pins-note").textContent = a ? `P(hit plan) and P50 bookings of each pinned what-if, its change against the file in brackets (paired, with the 95% interval of the change under it); ${a.trials.toLocaleString("en-US")} trials each, seed ${a.seed}.` : "";
}

// The pin button: for a refined what-if not pinned yet.
function updatePin() {
  const b = $("pin");
  const pinned = shown && pins.some((p) => sameState(p.st, shown.st));
  b.disabled = !shown || shown.answer.preliminary || !withPlan(shown.st).length || pinned;
  b.textContent = pinned ? "Pinned" : "Pin this what-if";
}

function pinShown() {
  if (!shown || shown.answer.preliminary || !withPlan(shown.st).length) return;
  const st = { sets: shown.st.sets, earlier: shown.st.earlier, add: shown.st.add };
  if (pins.some((p) => sameState(p.st, st))) return;
  pins.push({ st, answer: shown.answer });
  writeState(collect(), true);
  renderPins();
  updatePin();
}

async function compute(st) {
  if (running) running.abort();
  const my = ++generation;
  const ctl = new AbortController();
  running = ctl;
  const sets = withPlan(st);
  document.body.classList.add("busy");
  try {
    for (const preliminary of [true, false]) {
      const r = await api("/api/run", { scenario: st.s, sets, preliminary }, ctl.signal);
      if (my !== generation) return;
      if (r.status === 422) { showErrors((await r.json()).errors); $("status").textContent = "Fix the value marked in red."; return; }
      if (r.status === 409) return;
      if (!r.ok) { showErrors([{ key: null, message: await r.text() }]); return; }
      const a = await r.json();
      if (my !== generation) return;
      showErrors([]);
      render(a);
      shown = { st, answer: a };
      updatePin();
      if (!a.preliminary) break;
    }
    await fillPins(my, ctl);
  } catch (e) {
    if (e.name !== "AbortError") showErrors([{ key: null, message: String(e) }]);
  } finally {
    if (my === generation) document.body.classList.remove("busy");
  }
}

// ---- scenarios ---------------------------------------------------------------------------------

function renderList() {
  const ul = $("scenarios");
  ul.replaceChildren();
  if (!scenarios.length) ul.append(el("li", { class: "muted", text: "No .toml files in this folder." }));
  for (const s of scenarios) {
    if (s.error) {
      ul.append(el("li", {}, el("details", {}, el("summary", { class: "muted", text: s.file + " (does not load)" }), el("pre", { class: "error", text: s.error }))));
      continue;
    }
    const a = el("a", { href: "?s=" + encodeURIComponent(s.file), class: current && current.file === s.file ? "current" : "" },
      s.name + " ", el("span", { class: "desc", text: s.file + (s.description ? " · " + s.description : "") }));
    a.addEventListener("click", (ev) => { ev.preventDefault(); open({ s: s.file, sets: [], earlier: 0, add: 0, pins: [] }, true); });
    ul.append(el("li", {}, a));
  }
}

function open(st, push) {
  current = scenarios.find((s) => s.file === st.s && !s.error) || null;
  renderList();
  if (!current) { $("controls-box").hidden = true; $("answer").hidden = true; $("empty").hidden = false; return; }
  const keep = new Map(pins.map((p) => [pinText(p.st), p]));
  pins = (st.pins || []).map((q) => keep.get(pinText(q)) || { st: q, answer: null });
  // Pinned answers belong to one scenario and its trials.
  pins = pins.map((p) => (p.answer && p.answer.file !== current.file ? { st: p.st, answer: null } : p));
  writeState(st, push);
  buildControls(st);
  renderPins();
  compute(st);
}

async function loadList() {
  const r = await api("/api/scenarios");
  if (!r.ok) { $("scenarios").replaceChildren(el("li", { class: "error", text: await r.text() })); return; }
  scenarios = await r.json();
  const st = readState();
  if (st.s) open(st, false); else renderList();
}

// ---- buttons -----------------------------------------------------------------------------------

$("controls").addEventListener("input", changed);
$("add-key").addEventListener("click", () => addExtra("", ""));
$("reset").addEventListener("click", () => open({ s: current.file, sets: [], earlier: 0, add: 0, pins: pins.map((p) => p.st) }, true));
$("pin").addEventListener("click", pinShown);
window.addEventListener("popstate", () => { const st = readState(); if (st.s) open(st, false); });

function payload() {
  const st = collect();
  return { scenario: st.s, sets: withPlan(st) };
}

$("download").addEventListener("click", async () => {
  $("save-status").textContent = "Writing the report at the full trial count…";
  const r = await api("/api/report", payload());
  if (!r.ok) { $("save-status").textContent = r.status === 422 ? (await r.json()).errors.map((e) => e.message).join("\n") : await r.text(); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: "report.html" });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  $("save-status").textContent = "Downloaded report.html.";
});

$("save").addEventListener("click", async () => {
  const body = Object.assign(payload(), { name: $("save-name").value.trim() });
  const r = await api("/api/save", body);
  if (r.ok) {
    const s = await r.json();
    $("save-status").textContent = `Saved ${s.file}: it extends ${current.file} with these changes.`;
    const list = await api("/api/scenarios");
    if (list.ok) { scenarios = await list.json(); renderList(); }
  } else {
    $("save-status").textContent = r.status === 422 ? (await r.json()).errors.map((e) => e.message).join("\n") : await r.text();
  }
});

loadList();
