// Inference: pick a package, start and stop it; loop timing and safety counters, live.
"use strict";
livePlot.withPlan = true;  // the policy's newest chunk drawn ahead of now
const policiesByName = {};
async function loadPolicies() {
  const {policies} = await (await fetch("/api/policies")).json();
  policies.forEach((p) => { policiesByName[p.name] = p; });
  const select = document.getElementById("policy-select"), chosen = select.value;
  const parity = (p) => p.parity === null || p.parity === undefined ? "parity ?" : `parity ${Number(p.parity).toExponential(1)}`;
  const html = policies.map((p) => `<option value="${imitate.escape(p.name)}">${imitate.escape(p.name)} · ${p.type} · ` +
    `${(p.cameras || []).join("+") || "no camera"} · ${p.kind === "lerobot" ? "torch" : parity(p)} · ${p.date}` +
    `${p.tensorrt ? " · TensorRT" : ""}${p.needs_task ? " · needs a task" : ""}</option>`).join("")
    || "<option value=''>no package in policies/</option>";
  if (html !== select.dataset.html) { select.innerHTML = html; select.dataset.html = html; }
  if (chosen && policies.some((p) => p.name === chosen)) select.value = chosen;
}
async function startPolicy() {
  const body = {name: document.getElementById("policy-select").value};
  if (document.getElementById("record-rollouts").checked) body.record = document.getElementById("rollout-dataset").value;
  const task = document.getElementById("policy-task").value.trim();
  if (task) body.task = task;
  const chosen = policiesByName[body.name];
  if (chosen && chosen.needs_task && !task) { imitate.toast(`${body.name} is a VLA: write its task first`); return; }
  const running = imitate.lastStatus && imitate.lastStatus.policy;
  if (running) {  // a swap on a moving robot is asked for, never done silently
    const name = running.split("/").pop();
    if (!confirm(`${name} is driving the robot. Stop it and start ${body.name} in its place?`)) return;
    body.replace = true;
  }
  const ok = await imitate.api("POST", "/api/policy/start", body);
  if (ok) imitate.toast(ok.estop ? `${body.name} is loaded and held: E-STOP is engaged, it moves once you clear it`
                                 : `${body.name} is driving the robot`);
}
const stopPolicy = () => imitate.api("POST", "/api/policy/stop", {});
document.getElementById("policy-start").addEventListener("click", startPolicy);
document.getElementById("policy-stop").addEventListener("click", stopPolicy);
imitate.keys = {g: startPolicy, x: stopPolicy};
const SAFETY_WARN = 0.01, SAFETY_BAD = 0.2;  // share of ticks on which a safety rule acted
const safetyRates = {prev: null, rows: []};
function safetyRows(l) {  // each rule's interventions per second and per tick since the last status
  const prev = safetyRates.prev;
  safetyRates.prev = {ticks: l.ticks, safety: {...l.safety}, t: Date.now() / 1000};
  if (!prev || l.ticks <= prev.ticks) return safetyRates.rows;
  const dt = Date.now() / 1000 - prev.t, dticks = l.ticks - prev.ticks;
  safetyRates.rows = Object.entries(l.safety).map(([rule, total]) => {
    const n = total - (prev.safety[rule] || 0), share = n / dticks;
    return {rule, total, perS: n / dt, share, level: share > SAFETY_BAD ? "bad" : share > SAFETY_WARN ? "warn" : ""};
  });
  return safetyRates.rows;
}
function showSafety(l, running) {
  const rows = l ? safetyRows(l) : [];
  document.getElementById("safety-when").textContent = running ? "now" : l ? `last run (${l.policy}), kept after stop` : "";
  document.getElementById("safety-stats").innerHTML = rows.length ? "<tr><th>rule</th><th>per second</th><th>share of ticks</th><th>total</th></tr>" +
    rows.map((r) => `<tr><td>${imitate.escape(r.rule)}</td><td><span class="badge ${r.level}">${r.perS.toFixed(1)}/s</span></td>` +
      `<td>${(100 * r.share).toFixed(0)}%</td><td>${r.total}</td></tr>`).join("") : "";
}
imitate.onStatus((s) => {
  const badge = document.getElementById("policy-running");
  badge.textContent = s.policy ? (s.estop ? "E-STOPPED" : "running " + s.policy.split("/").pop()) : "stopped";
  badge.className = "pill " + (s.estop ? "bad" : s.policy ? "good" : "");
  const chosen = policiesByName[s.policy ? s.policy.split("/").pop() : document.getElementById("policy-select").value];
  document.querySelectorAll("[data-uses]").forEach((b) => {
    b.textContent = chosen && chosen.cameras.includes(b.dataset.uses) ? "policy input" : "";
  });
  const l = s.loop;
  if (!s.policy) safetyRates.prev = null;
  showSafety(l || s.last_loop, !!l);
  const warning = document.getElementById("infer-warning");
  warning.hidden = !(l && l.infer_p50_ms > l.action_period_ms);
  if (l) warning.textContent = `inference p50 ${l.infer_p50_ms.toFixed(0)} ms is slower than the action period ` +
    `${l.action_period_ms.toFixed(0)} ms: the robot runs out of plan and holds between chunks`;
  if (!l) { document.getElementById("loop-stats").innerHTML = ""; return; }
  const rows = [["ticks", l.ticks], ["missed ticks", l.missed_ticks],
    ["period error p50 / p99", `${l.period_error_p50_ms.toFixed(2)} / ${l.period_error_p99_ms.toFixed(2)} ms`],
    ["inference p50 / p99", `${l.infer_p50_ms.toFixed(1)} / ${l.infer_p99_ms.toFixed(1)} ms (action period ${l.action_period_ms.toFixed(0)} ms)`],
    ["observation to command p50", `${l.obs_to_command_p50_ms.toFixed(1)} ms`],
    ["inference errors", l.inference_errors], ["e-stop", l.estop ? "ENGAGED" : "off"]];
  document.getElementById("loop-stats").innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("");
});
document.getElementById("pull-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const v = imitate.formValues(event.target);
  imitate.api("POST", "/api/hub/pull-policy", v).then((ok) => ok && imitate.toast(`pulling ${v.repo} into policies/`));
});
imitate.hubJobs(document.getElementById("hub-jobs"));
setInterval(loadPolicies, 5000);  // a pulled package appears without a reload
loadPolicies();
