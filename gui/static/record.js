// Record: open a session (dataset, tasks, counts, times), drive it with buttons or keys, watch it.
"use strict";
const verb = (v) => imitate.api("POST", `/api/record/${v}`, {});
document.getElementById("record-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const v = imitate.formValues(event.target);
  v.tasks = v.tasks.split("\n").map((t) => t.trim()).filter((t) => t);
  if (!v.hub_repo) delete v.hub_repo;
  imitate.api("POST", "/api/record/session", v).then((ok) => ok && imitate.toast(
    `recording into ${v.dataset}: press start (Space)` + (v.hub_repo ? `; pushed to ${v.hub_repo} when finished` : "")));
});
document.querySelectorAll("[data-verb]").forEach((b) => b.addEventListener("click", () => verb(b.dataset.verb)));
imitate.keys = {
  " ": () => verb(imitate.lastStatus?.recording?.phase === "recording" ? "save" : "start"),
  ArrowRight: () => verb("next"), ArrowLeft: () => verb("retry"), s: () => verb("skip"), f: () => verb("finish"),
};
imitate.onStatus((s) => {
  const r = s.recording;
  if (!r) return;
  const phase = document.getElementById("phase");
  phase.textContent = r.active ? r.phase : `${r.phase} (session closed)`;
  phase.className = "pill " + (r.phase === "recording" ? "rec" : r.phase === "error" ? "bad" : "");
  document.getElementById("elapsed").textContent = r.elapsed_s !== undefined ? `${r.elapsed_s.toFixed(1)} s, ${r.frames} frames` : "";
  document.getElementById("task").textContent = r.task || "";
  const p = document.getElementById("progress");
  p.max = r.episodes || 1; p.value = r.saved || 0;
  document.getElementById("progress-text").textContent = `${r.saved || 0} / ${r.episodes || "?"} episodes saved in ${r.dataset}`;
  const drops = Object.keys(r.stale || {}).map((c) => `${c}: ${r.stale[c]} stale, ${(r.repeated || {})[c] || 0} repeated`);
  document.getElementById("drops").textContent = drops.length ? "camera drops this episode: " + drops.join(" · ") : "";
  document.getElementById("message").textContent = r.error || r.message || "";
});
imitate.hubJobs(document.getElementById("hub-jobs"));
