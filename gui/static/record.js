// Record: open a session (dataset, tasks, counts, times), drive it with buttons or keys, watch it.
// The phase banner says where the session is and what comes next; buttons are enabled only when
// their verb applies; drops are loud; spoken cues are optional.
"use strict";
const SAVE_AFTER_S = 2.0;  // Space saves only an episode older than this (one that began by itself is not saved by a "start" press)
const DROP_WARN = 0.01, DROP_BAD = 0.05;  // stale or repeated frames of a camera in an episode
const ENABLED = {  // verb -> phases where it applies (retry in the reset only while the save can be undone)
  start: ["waiting", "idle", "reset"], save: ["recording"], next: ["idle", "recording", "reset"],
  retry: ["recording", "reset"], skip: ["recording"], finish: ["waiting", "idle", "warmup", "recording", "reset"],
};
const record = {last: null};

function verb(v) {
  const r = imitate.lastStatus && imitate.lastStatus.recording;
  if (!r || !r.active) { imitate.toast("no recording session: open one first"); return; }
  if (!applies(v, r)) { imitate.toast(`${v} does not apply while ${r.phase}`); return; }
  if (v === "finish" && r.phase === "recording" &&
      !confirm(`Save the episode being recorded (${r.frames} frames, ${r.elapsed_s.toFixed(1)} s) and finish the session?`)) return;
  imitate.api("POST", `/api/record/${v}`, {});
}
function applies(v, r) {
  if (!r || !r.active || !ENABLED[v].includes(r.phase)) return false;
  return !(v === "retry" && r.phase === "reset" && !r.undoable);
}
function space() {
  const r = imitate.lastStatus && imitate.lastStatus.recording;
  if (r && r.phase === "recording") {
    if (r.elapsed_s < SAVE_AFTER_S) {
      imitate.toast(`episode ${r.saved + 1} began ${r.elapsed_s.toFixed(1)} s ago: Space saves it after ${SAVE_AFTER_S} s (→ saves now)`);
      return;
    }
    verb("save");
  } else verb("start");
}
function say(text) {
  if (!document.getElementById("sound").checked || !window.speechSynthesis) return;
  speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}

document.getElementById("record-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const v = imitate.formValues(event.target);
  v.tasks = v.tasks.split("\n").map((t) => t.trim()).filter((t) => t);
  if (!v.hub_repo) delete v.hub_repo;
  document.activeElement.blur();  // the shortcuts work at once
  imitate.api("POST", "/api/record/session", v).then((ok) => ok && imitate.toast(
    `recording into ${v.dataset}: press start (Space)` + (v.hub_repo ? `; pushed to ${v.hub_repo} when finished` : "")));
});
document.querySelectorAll("[data-verb]").forEach((b) => b.addEventListener("click", () => { b.blur(); verb(b.dataset.verb); }));
const sound = document.getElementById("sound");
sound.checked = localStorage.getItem("imitate-sound") === "1";
sound.addEventListener("change", () => localStorage.setItem("imitate-sound", sound.checked ? "1" : "0"));
imitate.keys = {" ": space, ArrowRight: () => verb("next"), ArrowLeft: () => verb("retry"), s: () => verb("skip"), f: () => verb("finish")};

function phaseText(r) {
  const n = Math.min(r.saved + 1, r.episodes), of = `episode ${n} of ${r.episodes}`;
  const left = (total) => `${Math.max(0, total - r.elapsed_s).toFixed(1)} s left`;
  switch (r.phase) {
    case "waiting": return [`waiting for the robot: ${r.message || ""}`, ""];
    case "idle": return [`${of}: ready`, "press start (Space) to record"];
    case "warmup": return [`${of}: starting…`, ""];
    case "recording": return [`${of} · recording · ${left(r.episode_time_s)}`,
      `then: saved by itself, ${r.saved + 1 < r.episodes ? `reset ${r.reset_time_s} s` : "the session ends"}`];
    case "saving": return [`${of}: saving…`, ""];
    case "reset": return [`reset the scene · ${left(r.reset_time_s)}`, `next: episode ${n} of ${r.episodes}` +
      (r.undoable ? ` · ← undoes the save of episode ${r.episode - 1}` : "")];
    case "finished": return [`finished: ${r.saved} episodes saved in ${r.dataset}`, "set up a new session to record more"];
    default: return [r.phase, ""];
  }
}

function dropRate(stale, repeated, frames, cam) {
  // the larger of the two: a stale frame is usually a repeated one too, so the sum would count it twice
  return frames ? Math.max((stale || {})[cam] || 0, (repeated || {})[cam] || 0) / frames : 0;
}

imitate.onStatus((s) => {
  const r = s.recording;
  const active = !!(r && r.active);
  document.getElementById("open-session").disabled = active;
  document.getElementById("setup").open = !active;
  document.querySelectorAll("[data-verb]").forEach((b) => { b.disabled = !applies(b.dataset.verb, r); });
  if (!r) return;
  const phase = document.getElementById("phase");
  phase.textContent = r.active ? r.phase : `${r.phase} (session closed)`;
  phase.className = "pill " + (r.phase === "recording" ? "rec" : r.phase === "error" ? "bad" : r.phase === "reset" ? "warn" : "");
  const [text, next] = phaseText(r);
  document.getElementById("phase-text").textContent = text;
  document.getElementById("phase-next").textContent = next;
  document.getElementById("task").textContent = r.task ? `task: ${r.task}` : "";
  const p = document.getElementById("progress");
  p.max = r.episodes || 1; p.value = r.saved || 0;
  document.getElementById("progress-text").textContent = `${r.saved || 0} / ${r.episodes || "?"} episodes saved in ${r.dataset}`;
  // drops of the episode being recorded, per camera: amber above 1 %, red above 5 %
  const words = [];
  let worst = 0;
  for (const badge of document.querySelectorAll("[data-drops]")) {
    const cam = badge.dataset.drops, rate = r.phase === "recording" ? dropRate(r.stale, r.repeated, r.frames, cam) : 0;
    badge.textContent = rate ? `${(100 * rate).toFixed(1)}% dropped` : "";
    badge.className = "badge " + (rate > DROP_BAD ? "bad" : rate > DROP_WARN ? "warn" : "");
    if (rate > DROP_WARN) words.push(`${cam} ${(100 * rate).toFixed(1)}%`);
    worst = Math.max(worst, rate);
  }
  const saved = r.last_saved || {};
  for (const cam of Object.keys(saved.stale || {})) {
    const rate = dropRate(saved.stale, saved.repeated, saved.frames, cam);
    if (rate > DROP_WARN) words.push(`episode ${saved.index}: ${cam} lost ${(100 * rate).toFixed(1)}%`);
    worst = Math.max(worst, rate);
  }
  const drops = document.getElementById("drops");
  drops.textContent = words.length ? "camera drops: " + words.join(" · ") : "";
  drops.className = "badge " + (worst > DROP_BAD ? "bad" : worst > DROP_WARN ? "warn" : "");
  document.getElementById("message").textContent = r.error || r.message || "";
  if (record.last && record.last !== r.phase) {  // spoken cues, as LeRobot's recorder speaks them
    if (r.phase === "recording") say(`Recording episode ${r.saved + 1}`);
    else if (r.phase === "reset") say("Reset the environment");
    else if (r.phase === "finished") say("Stop recording");
  }
  record.last = r.phase;
});
imitate.hubJobs(document.getElementById("hub-jobs"));
