// Every page: the API with its CSRF token, the status bar (what drives the robot, connection, topics,
// CPU, memory, disk, GPU), E-STOP (button and Esc) with its banner, the link-lost banner, error
// toasts, and page keyboard shortcuts.
"use strict";
const LINK_TIMEOUT_MS = 1000;  // no status answer for this long: the link is lost
const imitate = {
  csrf: () => document.querySelector('meta[name="csrf"]').content,
  listeners: [],
  keys: {},
  lastStatus: null,
  lastAnswer: Date.now(),
  linkLost: false,
  pendingEstops: [],  // E-STOP presses that did not arrive (sent again when the link returns)
  // this tab's id: the page watchdog (serve --page-watchdog) stops a policy when its tab goes quiet
  pageId: sessionStorage.getItem("imitate-page") || (() => {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem("imitate-page", id);
    return id;
  })(),

  async api(method, path, body, {quiet = false} = {}) {
    const opts = {method, headers: {"X-CSRF-Token": imitate.csrf(), "X-Page-Id": imitate.pageId}};
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const response = await fetch(path, opts);
    const data = await response.json().catch(() => ({error: `${response.status} ${response.statusText}`}));
    if (!response.ok) {  // the person sees why; callers get null (or the answer, when quiet)
      if (quiet) return {failed: response.status, ...data};
      imitate.toast(data.error || `${method} ${path} failed (${response.status})`);
      return null;
    }
    return data;
  },

  toast(text) {
    const el = document.getElementById("toast");
    el.textContent = text;
    el.classList.add("shown");
    clearTimeout(imitate._toastTimer);
    imitate._toastTimer = setTimeout(() => el.classList.remove("shown"), 6000);
  },
  announce(text) { document.getElementById("announce").textContent = text; },

  async estop() {
    const pressed = new Date();
    try {
      const response = await fetch("/api/estop", {method: "POST", body: "{}", signal: AbortSignal.timeout(LINK_TIMEOUT_MS),
        headers: {"Content-Type": "application/json", "X-CSRF-Token": imitate.csrf(), "X-Page-Id": imitate.pageId}});
      if (!response.ok) throw new Error(`the service answered ${response.status}`);
      imitate.showEstop(true);
    } catch (err) {
      imitate.pendingEstops.push(pressed);
      imitate.showLink(true);
      imitate.toast(`E-STOP at ${pressed.toLocaleTimeString()} did NOT arrive: use the robot's own stop`);
    }
  },

  async clearEstop() {
    const policy = imitate.lastStatus && imitate.lastStatus.policy;
    if (policy && !confirm(`Clear the E-STOP? ${policy.split("/").pop()} is loaded: it moves the robot again at once ` +
                           "(soft start from where the robot is).")) return;
    imitate.api("POST", "/api/clear", {});
  },

  onStatus(callback) { imitate.listeners.push(callback); },

  async poll() {
    try {
      const response = await fetch("/api/status", {headers: {"X-Page-Id": imitate.pageId},
                                                   signal: AbortSignal.timeout(LINK_TIMEOUT_MS)});
      if (response.status === 401) { location.href = "/login?next=" + location.pathname; return; }
      const s = await response.json();
      imitate.lastAnswer = Date.now();
      imitate.showLink(false);
      imitate.lastStatus = s;
      imitate.showStatus(s);
      imitate.listeners.forEach((f) => f(s));
    } catch (err) {
      if (Date.now() - imitate.lastAnswer >= LINK_TIMEOUT_MS) imitate.showLink(true);
    }
    setTimeout(imitate.poll, 500);
  },

  showLink(lost) {
    if (lost === imitate.linkLost && !(lost && imitate.pendingEstops.length)) return;
    imitate.linkLost = lost;
    document.body.classList.toggle("link-lost", lost);
    document.getElementById("link-banner").hidden = !lost;
    const pending = imitate.pendingEstops;
    document.getElementById("link-detail").textContent = pending.length ?
      ` · ${pending.length} E-STOP press(es) did NOT arrive (last at ${pending[pending.length - 1].toLocaleTimeString()})` : "";
    const conn = document.getElementById("conn");
    if (lost) {
      conn.textContent = "service unreachable";
      conn.className = "pill bad";
      imitate.announce("connection lost: E-STOP cannot be delivered; use the robot's own stop");
    } else if (pending.length) {  // the link is back: deliver the stop that was asked for
      imitate.pendingEstops = [];
      imitate.api("POST", "/api/estop", {}).then((ok) => ok && imitate.toast(
        `the link is back: the E-STOP pressed at ${pending[0].toLocaleTimeString()} was sent now`));
    }
  },

  showEstop(engaged) {
    const button = document.getElementById("estop");
    if (button.classList.contains("engaged") === engaged) return;
    button.classList.toggle("engaged", engaged);
    button.textContent = engaged ? "E-STOP ENGAGED" : "E-STOP";
    document.getElementById("estop-banner").hidden = !engaged;
    imitate.announce(engaged ? "E-STOP ENGAGED: no motion commands" : "E-STOP cleared: motion commands allowed");
  },

  showStatus(s) {
    const conn = document.getElementById("conn");
    const ok = s.missing.length === 0;
    conn.textContent = ok ? `${s.profile} · ${s.transport} · connected` : `waiting: ${s.missing[0]}`;
    conn.className = "pill " + (ok ? "good" : "bad");
    const sys = s.system;
    let text = `CPU ${sys.cpu_percent.toFixed(0)}% · mem ${sys.memory_percent.toFixed(0)}% · disk ${sys.disk_free_gb} GB free`;
    if (sys.gpu) text += ` · GPU ${sys.gpu.util_percent}% ${(sys.gpu.memory_mb / 1024).toFixed(1)} GB`;
    document.getElementById("sys").textContent = text;
    imitate.showEstop(s.estop);
    const recording = !!(s.recording && s.recording.active);
    const drive = document.getElementById("drive");
    drive.textContent = s.policy ? `drives: policy ${s.policy.split("/").pop()}${s.estop ? " (held by E-STOP)" : ""}`
      : recording ? `drives: the leader (recording)${s.estop ? ": E-STOP does not stop it" : ""}` : "drives: nothing";
    drive.className = "pill " + (s.policy && !s.estop ? "driving" : recording ? "leader" : "");
    document.getElementById("rec").hidden = !(recording && s.recording.phase === "recording");
    const note = document.getElementById("note-banner");
    note.hidden = !s.policy_note;
    note.textContent = s.policy_note || "";
    const rows = s.topics.map((t) => `<tr class="${t.age_s === null || t.age_s > 1 ? "stale" : ""}"><td>${t.topic}</td>` +
      `<td>${t.type}</td><td>${t.rate_hz.toFixed(1)} Hz</td><td>${t.age_s === null ? "never" : t.age_s.toFixed(2) + " s"}</td></tr>`);
    document.getElementById("topics").innerHTML = "<tr><th>topic</th><th>type</th><th>rate</th><th>age</th></tr>" + rows.join("");
    for (const tile of document.querySelectorAll(".tile")) {  // a frozen camera tile says so (camera_tiles.html)
      const stale = imitate.topicAge(tile.dataset.topic) > 1.0;
      tile.classList.toggle("stale", stale);
      tile.querySelector(".tile-stale").hidden = !stale;
    }
  },

  topicAge(topic) {  // seconds since `topic` last spoke (Infinity: never), from the last status
    const t = imitate.lastStatus && imitate.lastStatus.topics.find((x) => x.topic === topic);
    return !t || t.age_s === null ? Infinity : t.age_s;
  },

  hubJobs(element) {  // the Hub transfers this page started, refreshed every 2 s
    const show = async () => {
      const {jobs} = await (await fetch("/api/hub/jobs")).json();
      element.innerHTML = jobs.map((j) => `<li><b>${imitate.escape(j.name)}</b> ${imitate.escape(j.state)}: ` +
        `<span class="muted">${imitate.escape(j.log)}</span></li>`).join("");
    };
    show(); setInterval(show, 2000);
  },
  escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  },
  formValues(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      out[el.name] = el.type === "number" ? Number(el.value) : el.type === "checkbox" ? el.checked : el.value;
    }
    return out;
  },
};

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("estop").addEventListener("click", imitate.estop);
  document.getElementById("clear-estop").addEventListener("click", imitate.clearEstop);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { imitate.estop(); event.preventDefault(); return; }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName) && event.target.type !== "checkbox";
    if (typing) return;
    const action = imitate.keys[event.key] || imitate.keys[event.key.toLowerCase()];
    if (action) { event.preventDefault(); action(); }
  });
  imitate.poll();
});
