// Train: start a run, follow every run's progress and loss, export a checkpoint, build an engine.
"use strict";
let selectedRun = null;
async function loadDatasets() {
  const {datasets} = await (await fetch("/api/datasets")).json();
  document.getElementById("train-dataset").innerHTML = datasets.filter((d) => !d.error)
    .map((d) => `<option value="${d.name}">${d.name} (${d.episodes} episodes)</option>`).join("");
}
document.getElementById("train-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const v = imitate.formValues(event.target);
  selectedRun = v.name;
  imitate.api("POST", "/api/train/start", v).then((ok) => ok && imitate.toast(`training ${v.name} started`));
});
async function action(path) { await imitate.api("POST", path, {}); refresh(); }
async function refresh() {
  const {runs, tensorrt} = await (await fetch("/api/runs")).json();
  const rows = runs.map((r) => {
    const pct = r.steps ? Math.round((100 * r.step) / r.steps) : 0;
    const state = r.job || (r.done ? "done" : "—");
    const buttons = [
      r.job === "running" ? `<button onclick="action('/api/runs/${r.name}/stop')">stop</button>` : "",
      r.checkpoints.length ? `<button onclick="action('/api/runs/${r.name}/export')">export</button>` : "",
      r.exported && tensorrt ? `<button onclick="action('/api/policies/${r.name}/engine')">build engine</button>` : ""];
    return `<tr data-run="${r.name}" class="${r.name === selectedRun ? "selected" : ""}"><td>${r.name}</td><td>${r.policy || ""}</td>` +
      `<td><progress max="100" value="${pct}"></progress> ${r.step}/${r.steps || "?"}</td>` +
      `<td>${r.loss === null ? "" : r.loss.toFixed(3)}</td><td>${state}</td><td>${r.checkpoints.join(", ")}</td>` +
      `<td>${r.export ? "export " + r.export : r.exported ? "exported" : ""}</td><td>${buttons.join("")}</td></tr>`;
  });
  document.getElementById("run-list").innerHTML =
    "<tr><th>run</th><th>policy</th><th>progress</th><th>loss</th><th>state</th><th>checkpoints</th><th>package</th><th></th></tr>" + rows.join("");
  document.querySelectorAll("#run-list tr[data-run]").forEach((tr) => tr.addEventListener("click", () => { selectedRun = tr.dataset.run; refresh(); }));
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
