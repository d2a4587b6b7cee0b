// Inference: pick a package, start and stop it; loop timing and safety counters, live.
"use strict";
async function loadPolicies() {
  const {policies} = await (await fetch("/api/policies")).json();
  const select = document.getElementById("policy-select"), chosen = select.value;
  const html = policies.map((p) =>
    `<option value="${p.name}">${p.name} (${p.type}, ${p.fps} fps${p.tensorrt ? ", TensorRT" : ""})</option>`).join("")
    || "<option value=''>no package in policies/</option>";
  if (html !== select.dataset.html) { select.innerHTML = html; select.dataset.html = html; }
  if (chosen && policies.some((p) => p.name === chosen)) select.value = chosen;
}
async function startPolicy() {
  const body = {name: document.getElementById("policy-select").value};
  if (document.getElementById("record-rollouts").checked) body.record = document.getElementById("rollout-dataset").value;
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
imitate.onStatus((s) => {
  const badge = document.getElementById("policy-running");
  badge.textContent = s.policy ? (s.estop ? "E-STOPPED" : "running " + s.policy.split("/").pop()) : "stopped";
  badge.className = "pill " + (s.estop ? "bad" : s.policy ? "good" : "");
  const l = s.loop;
  if (!l) { document.getElementById("loop-stats").innerHTML = ""; return; }
  const rows = [["ticks", l.ticks], ["missed ticks", l.missed_ticks],
    ["period error p50 / p99", `${l.period_error_p50_ms.toFixed(2)} / ${l.period_error_p99_ms.toFixed(2)} ms`],
    ["inference p50 / p99", `${l.infer_p50_ms.toFixed(1)} / ${l.infer_p99_ms.toFixed(1)} ms`],
    ["observation to command p50", `${l.obs_to_command_p50_ms.toFixed(1)} ms`],
    ["inference errors", l.inference_errors], ["e-stop", l.estop ? "ENGAGED" : "off"],
    ...Object.entries(l.safety).map(([k, v]) => [`safety: ${k}`, v])];
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
