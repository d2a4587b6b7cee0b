// Every page: the API with its CSRF token, the status bar (connection, topics, CPU, memory, disk,
// GPU), E-STOP (button and Esc), error toasts, and page keyboard shortcuts.
"use strict";
const imitate = {
  csrf: () => document.querySelector('meta[name="csrf"]').content,
  listeners: [],
  keys: {},
  lastStatus: null,

  async api(method, path, body) {
    const opts = {method, headers: {"X-CSRF-Token": imitate.csrf()}};
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const response = await fetch(path, opts);
    const data = await response.json().catch(() => ({error: `${response.status} ${response.statusText}`}));
    if (!response.ok) {  // the person sees why; callers get null
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

  onStatus(callback) { imitate.listeners.push(callback); },

  async poll() {
    try {
      const response = await fetch("/api/status");
      if (response.status === 401) { location.href = "/login?next=" + location.pathname; return; }
      const s = await response.json();
      imitate.lastStatus = s;
      imitate.showStatus(s);
      imitate.listeners.forEach((f) => f(s));
    } catch (err) {
      const conn = document.getElementById("conn");
      conn.textContent = "service unreachable";
      conn.className = "pill bad";
    }
    setTimeout(imitate.poll, 500);
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
    document.getElementById("estop").classList.toggle("engaged", s.estop);
    const rows = s.topics.map((t) => `<tr class="${t.age_s === null || t.age_s > 1 ? "stale" : ""}"><td>${t.topic}</td>` +
      `<td>${t.type}</td><td>${t.rate_hz.toFixed(1)} Hz</td><td>${t.age_s === null ? "never" : t.age_s.toFixed(2) + " s"}</td></tr>`);
    document.getElementById("topics").innerHTML = "<tr><th>topic</th><th>type</th><th>rate</th><th>age</th></tr>" + rows.join("");
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
  document.getElementById("estop").addEventListener("click", () => imitate.api("POST", "/api/estop", {}));
  document.getElementById("clear-estop").addEventListener("click", () => imitate.api("POST", "/api/clear", {}));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { imitate.api("POST", "/api/estop", {}); event.preventDefault(); return; }
    if (["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName)) return;
    const action = imitate.keys[event.key] || imitate.keys[event.key.toLowerCase()];
    if (action) { event.preventDefault(); action(); }
  });
  imitate.poll();
});
