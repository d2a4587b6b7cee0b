// Datasets: list, episodes, and one episode's joints with its videos under one scrubber.
"use strict";
let current = null;  // {name, episodes, fps}
let episode = null;  // the episode shown
async function loadList() {
  const {datasets} = await (await fetch("/api/datasets")).json();
  document.getElementById("dataset-list").innerHTML = "<tr><th>name</th><th>episodes</th><th>frames</th><th>MB</th></tr>" +
    datasets.map((d) => d.error ? `<tr class="stale"><td>${d.name}</td><td colspan="3">${d.error}</td></tr>` :
      `<tr data-name="${d.name}" class="link"><td>${d.name}</td><td>${d.episodes}</td><td>${d.frames}</td><td>${d.size_mb}</td></tr>`).join("");
  document.querySelectorAll("#dataset-list tr[data-name]").forEach((tr) => tr.addEventListener("click", () => openDataset(tr.dataset.name)));
  const wanted = new URLSearchParams(location.search).get("dataset") || (datasets.find((d) => !d.error) || {}).name;
  if (wanted && !current) openDataset(wanted);
}
async function openDataset(name) {
  const d = await (await fetch(`/api/datasets/${name}`)).json();
  current = d;
  document.getElementById("dataset-title").textContent = `${name}: ${d.episodes.length} episodes at ${d.fps} fps`;
  document.getElementById("episode-list").innerHTML = "<tr><th></th><th>episode</th><th>frames</th><th>task</th><th>dropped</th></tr>" +
    d.episodes.map((e) => `<tr data-index="${e.index}" class="link"><td><input type="checkbox" value="${e.index}"></td>` +
      `<td>${e.index}</td><td>${e.length}</td><td>${e.tasks.join("; ")}</td><td class="${e.dropped ? "warn" : ""}">${e.dropped}</td></tr>`).join("");
  document.querySelectorAll("#episode-list tr[data-index]").forEach((tr) =>
    tr.addEventListener("click", (ev) => { if (ev.target.type !== "checkbox") showEpisode(Number(tr.dataset.index)); }));
  document.querySelectorAll("#episode-list input").forEach((box) => box.addEventListener("change", () => {
    document.getElementById("delete-episodes").disabled = !document.querySelector("#episode-list input:checked");
  }));
  const hub = document.getElementById("hub-link");
  hub.hidden = !d.hub;
  if (d.hub) hub.href = `https://huggingface.co/datasets/${d.hub}`;
  if (d.episodes.length) showEpisode(d.episodes[0].index);
}
async function showEpisode(index) {
  const e = await (await fetch(`/api/datasets/${current.name}/episodes/${index}`)).json();
  episode = e;
  document.getElementById("viewer").hidden = false;
  document.getElementById("episode-title").textContent = `episode ${index}: ${e.tasks.join("; ")}`;
  document.getElementById("videos").innerHTML = Object.entries(e.videos).map(([cam, v]) =>
    `<figure><video muted preload="auto" data-camera="${cam}" data-from="${v.from}" src="${v.url}"></video><figcaption>${cam}</figcaption></figure>`).join("");
  const traces = [];
  e.joints.forEach((name, j) => {
    const color = `hsl(${(j * 360) / e.joints.length}, 65%, 42%)`;
    traces.push({x: e.time, y: e.state.map((r) => r[j]), name, mode: "lines", line: {color, width: 1}, legendgroup: name});
    traces.push({x: e.time, y: e.action.map((r) => r[j]), name: name + " action", mode: "lines",
      line: {color, width: 1, dash: "dot"}, legendgroup: name, showlegend: false});
  });
  const shapes = [{type: "line", x0: 0, x1: 0, yref: "paper", y0: 0, y1: 1, line: {color: "black", width: 2}}];
  const dropped = [...new Set(Object.values(e.dropped).flat())];
  dropped.forEach((f) => shapes.push({type: "line", x0: f / e.fps, x1: f / e.fps, yref: "paper", y0: 0, y1: 0.05, line: {color: "orange"}}));
  e.jumps.forEach((f) => shapes.push({type: "line", x0: f / e.fps, x1: f / e.fps, yref: "paper", y0: 0, y1: 1, line: {color: "red", dash: "dot"}}));
  Plotly.newPlot("episode-plot", traces, {shapes, margin: {t: 10, r: 10, b: 30, l: 40}, xaxis: {title: "s"},
    yaxis: {title: "rad"}, legend: {font: {size: 9}}}, {displayModeBar: false, responsive: true});
  const scrub = document.getElementById("scrub");
  scrub.max = e.time.length ? e.time[e.time.length - 1] : 0;
  scrub.value = 0;
  seek(0);
  const flags = Object.entries(e.dropped).filter(([, f]) => f.length).map(([c, f]) => `${c}: ${f.length} dropped frames`);
  if (e.jumps.length) flags.push(`${e.jumps.length} joint jumps (red)`);
  document.getElementById("episode-flags").textContent = flags.length ? flags.join(" · ") : "no dropped frames, no joint jumps";
}
function seek(t, fromVideo) {
  document.getElementById("scrub-time").textContent = `${Number(t).toFixed(2)} s`;
  Plotly.relayout("episode-plot", {"shapes[0].x0": t, "shapes[0].x1": t});
  if (!fromVideo) document.querySelectorAll("#videos video").forEach((v) => { v.currentTime = Number(v.dataset.from) + Number(t); });
}
document.getElementById("scrub").addEventListener("input", (ev) => seek(ev.target.value));
function play() {
  const videos = [...document.querySelectorAll("#videos video")];
  if (!videos.length) return;
  const playing = !videos[0].paused;
  videos.forEach((v) => (playing ? v.pause() : v.play()));
  document.getElementById("play").textContent = playing ? "play" : "pause";
}
document.getElementById("play").addEventListener("click", play);
document.getElementById("videos").addEventListener("timeupdate", (ev) => {
  if (ev.target !== document.querySelector("#videos video")) return;
  const t = ev.target.currentTime - Number(ev.target.dataset.from);
  document.getElementById("scrub").value = t;
  seek(t, true);
}, true);
document.getElementById("delete-episodes").addEventListener("click", async () => {
  const chosen = [...document.querySelectorAll("#episode-list input:checked")].map((b) => Number(b.value));
  if (!confirm(`delete episodes ${chosen.join(", ")} of ${current.name}? This rewrites the dataset.`)) return;
  const report = await imitate.api("POST", `/api/datasets/${current.name}/delete-episodes`, {episodes: chosen});
  if (!report) return;
  imitate.toast(`deleted ${report.deleted.length} episodes; ${report.episodes} remain`);
  openDataset(current.name);
  loadList();
});
function step(delta) {
  if (!current || !episode) return;
  const idx = current.episodes.findIndex((e) => e.index === episode.index) + delta;
  if (idx >= 0 && idx < current.episodes.length) showEpisode(current.episodes[idx].index);
}
imitate.keys = {j: () => step(-1), k: () => step(1), p: play};
loadList();
