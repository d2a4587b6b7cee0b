// Train: start a run, follow every run's progress and loss, export a checkpoint, build an engine.
// Nothing is overwritten silently: a run name in use asks (resume or a new name), an export over
// an existing package asks, and the page says why a job failed (the end of its log).
"use strict";
let selectedRun = null;
async function loadDatasets() {
  const {datasets} = await (await fetch("/api/datasets")).json();
  document.getElementById("train-dataset").innerHTML = datasets.filter((d) => !d.error)
    .map((d) => `<option value="${imitate.escape(d.name)}">${imitate.escape(d.name)} (${d.episodes} episodes)</option>`).join("");
}
async function post(path, body, ask) {  // a 409 is a question: asked, and sent again with the answer
  const r = await imitate.api("POST", path, body, {quiet: true});
  if (r && r.failed === 409 && ask) {
    const again = ask(r.error);
    if (again) return post(path, {...body, ...again});
    return null;
  }
  if (r && r.failed) { imitate.toast(r.error); return null; }
  return r;
}
document.getElementById("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const v = imitate.formValues(event.target);
  selectedRun = v.name;
  document.activeElement.blur();
  const ok = await post("/api/train/start", v, (error) => confirm(`${error}.\n\nOK: resume it · Cancel: choose another name`) && {resume: true});
  if (ok) imitate.toast(`training ${v.name} started`);
  refresh();
});
const ACTIONS = {
  stop: (run) => post(`/api/runs/${run}/stop`, {}),
  export: (run) => post(`/api/runs/${run}/export`, {}, (error) => {
    if (error.includes("driving the robot")) {
      const name = prompt(`${error}.\n\nExport under this package name instead:`, `${run}-2`);
      return name ? {package: name} : null;
    }
    return confirm(`${error}.\n\nOK: replace it · Cancel: keep it`) && {replace: true};
  }),
  engine: (run) => post(`/api/policies/${run}/engine`, {}),
};
document.getElementById("run-list").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  const row = event.target.closest("tr[data-run]");
  if (button) { event.stopPropagation(); await ACTIONS[button.dataset.action](row.dataset.run); refresh(); return; }
  if (row) { selectedRun = row.dataset.run; refresh(); }
});
function duration(s) { return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`; }
async function refresh() {
  const {runs, tensorrt} = await (await fetch("/api/runs")).json();
  const rows = runs.map((r) => {
    const name = imitate.escape(r.name), pct = r.steps ? Math.round((100 * r.step) / r.steps) : 0;
    const state = r.job || (r.done ? "done" : "—");
    const buttons = [
      r.job === "running" ? `<button data-action="stop">stop</button>` : "",
      r.checkpoints.length ? `<button data-action="export">export</button>` : "",
      r.exported && tensorrt ? `<button data-action="engine">build engine</button>` : ""];
    const speed = r.job === "running" && r.samples_per_s ? ` · ${r.samples_per_s.toFixed(0)} samples/s` +
      (r.eta_s ? ` · ${duration(r.eta_s)} left` : "") : "";
    const pkg = r.export && r.export !== "done" ? `export ${r.export}` : r.exported ?
      `exported, parity ${r.parity === null || r.parity === undefined ? "?" : Number(r.parity).toExponential(1)} · <a href="/inference">run it</a>` : "";
    const logs = ["job_log", "export_log"].filter((k) => r[k]).map((k) =>
      `<tr class="log"><td colspan="8"><pre>${imitate.escape(r[k])}</pre></td></tr>`).join("");
    return `<tr data-run="${name}" class="${r.name === selectedRun ? "selected" : ""}"><td>${name}</td><td>${r.policy || ""}</td>` +
      `<td><progress max="100" value="${pct}"></progress> ${r.step}/${r.steps || "?"}${speed}</td>` +
      `<td>${r.loss === null ? "" : r.loss.toFixed(3)}</td><td>${state}</td><td>${r.checkpoints.join(", ")}</td>` +
      `<td>${pkg}</td><td>${buttons.join("")}</td></tr>${logs}`;
  });
  document.getElementById("run-list").innerHTML =
    "<tr><th>run</th><th>policy</th><th>progress</th><th>loss</th><th>state</th><th>checkpoints</th><th>package</th><th></th></tr>" + rows.join("");
  const run = runs.find((r) => r.name === selectedRun) || runs[0];
  if (run) {
    document.getElementById("curve-title").textContent = `Loss: ${run.name}`;
    Plotly.react("loss-plot", [
      {x: run.curve.map((p) => p[0]), y: run.curve.map((p) => p[1]), name: "train", mode: "lines"},
      {x: run.val.map((p) => p[0]), y: run.val.map((p) => p[1]), name: "validation", mode: "lines+markers"}],
      {margin: {t: 10, r: 10, b: 30, l: 50}, xaxis: {title: "step"}, yaxis: {title: "loss", type: "log"}},
      {displayModeBar: false, responsive: true});
  }
}
loadDatasets();
refresh();
setInterval(refresh, 2000);
