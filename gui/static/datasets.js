// Datasets: list, episodes, and one episode's joints (a plot per joint group, values at the cursor)
// with its videos under one scrubber. Rows are reachable with Tab (Enter opens); ←/→ step a frame.
"use strict";
let current = null;  // {name, episodes, fps}
let episode = null;  // the episode shown
async function loadList() {
  const {datasets} = await (await fetch("/api/datasets")).json();
  document.getElementById("dataset-list").innerHTML = "<tr><th>name</th><th>episodes</th><th>frames</th><th>MB</th></tr>" +
    datasets.map((d) => d.error ? `<tr class="stale"><td>${imitate.escape(d.name)}</td><td colspan="3">${imitate.escape(d.error)}</td></tr>` :
      `<tr data-name="${imitate.escape(d.name)}" class="link${current && current.name === d.name ? " selected" : ""}" tabindex="0">` +
      `<td>${imitate.escape(d.name)}</td><td>${d.episodes}</td><td>${d.frames}</td><td>${d.size_mb}</td></tr>`).join("");
  document.querySelectorAll("#dataset-list tr[data-name]").forEach((tr) => activate(tr, () => openDataset(tr.dataset.name)));
  const wanted = new URLSearchParams(location.search).get("dataset") || (datasets.find((d) => !d.error) || {}).name;
  if (wanted && !current) openDataset(wanted);
}
function activate(row, open) {  // click, or Enter / Space on the focused row
  row.addEventListener("click", (ev) => { if (ev.target.type !== "checkbox") open(); });
  row.addEventListener("keydown", (ev) => {
    if ((ev.key === "Enter" || ev.key === " ") && ev.target === row) { ev.preventDefault(); ev.stopPropagation(); open(); }
  });
}
function selectRow(table, attr, value) {
  document.querySelectorAll(`#${table} tr[${attr}]`).forEach((tr) => {
    const on = tr.getAttribute(attr) === String(value);
    tr.classList.toggle("selected", on);
    tr.setAttribute("aria-selected", on);
  });
}
const FLAG_LOOK = {estop: "bad", failure: "warn", success: "good"};
function flagTags(flags) {
  return (flags || []).map((f) => `<span class="badge ${FLAG_LOOK[f] || (f.startsWith("safety") ? "warn" : "")}">${imitate.escape(f)}</span>`).join(" ");
}
async function openDataset(name) {
  const d = await (await fetch(`/api/datasets/${name}`)).json();
  current = d;
  selectRow("dataset-list", "data-name", name);
  document.getElementById("dataset-title").textContent = `${name}: ${d.episodes.length} episodes at ${d.fps} fps`;
  document.getElementById("episode-list").innerHTML = "<tr><th></th><th>episode</th><th>frames</th><th>task</th><th>dropped</th><th>marks</th></tr>" +
    d.episodes.map((e) => `<tr data-index="${e.index}" class="link" tabindex="0"><td><input type="checkbox" value="${e.index}" aria-label="select episode ${e.index}"></td>` +
      `<td>${e.index}</td><td>${e.length}</td><td>${imitate.escape(e.tasks.join("; "))}</td><td class="${e.dropped ? "warn" : ""}">${e.dropped}</td>` +
      `<td>${flagTags(e.flags)}</td></tr>`).join("");
  document.querySelectorAll("#episode-list tr[data-index]").forEach((tr) => activate(tr, () => showEpisode(Number(tr.dataset.index))));
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
  selectRow("episode-list", "data-index", index);
  document.getElementById("viewer").hidden = false;
  document.getElementById("episode-title").textContent = `episode ${index}: ${e.tasks.join("; ")}`;
  document.getElementById("videos").innerHTML = Object.entries(e.videos).map(([cam, v]) =>
    `<figure><video muted preload="auto" data-camera="${cam}" data-from="${v.from}" src="${v.url}"></video><figcaption>${cam}</figcaption></figure>`).join("");
  // one plot per joint group (arm_l, arm_r, head, lift, ...), values of every joint at the cursor
  const groups = {};
  e.joints.forEach((name, j) => { const g = name.split("_").slice(0, -1).join("_") || name; (groups[g] = groups[g] || []).push(j); });
  const shapes = [{type: "line", x0: 0, x1: 0, yref: "paper", y0: 0, y1: 1, line: {color: "black", width: 2}}];
  const dropped = [...new Set(Object.values(e.dropped).flat())];
  dropped.forEach((f) => shapes.push({type: "line", x0: f / e.fps, x1: f / e.fps, yref: "paper", y0: 0, y1: 0.05, line: {color: "orange"}}));
  e.jumps.forEach((f) => shapes.push({type: "line", x0: f / e.fps, x1: f / e.fps, yref: "paper", y0: 0, y1: 1, line: {color: "red", dash: "dot"}}));
  const holder = document.getElementById("episode-plot");
  holder.innerHTML = Object.keys(groups).map((g) => `<div class="group-plot" data-group="${imitate.escape(g)}"></div>`).join("");
  Object.entries(groups).forEach(([g, joints]) => {
    const traces = [];
    joints.forEach((j, k) => {
      const color = `hsl(${(k * 360) / joints.length}, 65%, 42%)`, name = e.joints[j];
      traces.push({x: e.time, y: e.state.map((r) => r[j]), name, mode: "lines", line: {color, width: 1}, legendgroup: name,
        hovertemplate: "%{y:.3f}"});
      traces.push({x: e.time, y: e.action.map((r) => r[j]), name: name + " action", mode: "lines", hovertemplate: "%{y:.3f}",
        line: {color, width: 1, dash: "dot"}, legendgroup: name, showlegend: false});
    });
    Plotly.newPlot(holder.querySelector(`[data-group="${CSS.escape(g)}"]`), traces, {shapes: JSON.parse(JSON.stringify(shapes)),
      margin: {t: 22, r: 10, b: 24, l: 44}, title: {text: g, font: {size: 12}, x: 0.01}, hovermode: "x unified",
      xaxis: {title: ""}, yaxis: {title: "rad"}, legend: {font: {size: 10}}}, {displayModeBar: false, responsive: true});
  });
  const scrub = document.getElementById("scrub");
  scrub.max = e.time.length ? e.time[e.time.length - 1] : 0;
  scrub.value = 0;
  seek(0);
  const flags = Object.entries(e.dropped).filter(([, f]) => f.length).map(([c, f]) => `${c}: ${f.length} dropped frames`);
  if (e.jumps.length) flags.push(`${e.jumps.length} joint jumps (red)`);
  document.getElementById("episode-flags").innerHTML = imitate.escape(flags.length ? flags.join(" · ") : "no dropped frames, no joint jumps") +
    " " + flagTags(e.flags);
}
function seek(t, fromVideo) {
  document.getElementById("scrub-time").textContent = `${Number(t).toFixed(2)} s`;
  document.querySelectorAll("#episode-plot .group-plot").forEach((plot) => Plotly.relayout(plot, {"shapes[0].x0": t, "shapes[0].x1": t}));
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
  const kept = current.episodes.map((e) => e.index).filter((i) => !chosen.includes(i));
  const moves = kept.map((old, now) => [old, now]).filter(([old, now]) => old !== now);
  const renumber = moves.length ? `Episodes after them are renumbered: ${moves.slice(0, 8).map(([o, n]) => `${o}→${n}`).join(", ")}` +
    (moves.length > 8 ? `, … (${moves.length} in all)` : "") + "." : "No other episode is renumbered.";
  if (!confirm(`Delete episodes ${chosen.join(", ")} of ${current.name}? This rewrites the dataset. ${renumber}`)) return;
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
function frame(delta) {  // one frame back or forward (videos paused)
  if (!episode) return;
  document.querySelectorAll("#videos video").forEach((v) => v.pause());
  document.getElementById("play").textContent = "play";
  const scrub = document.getElementById("scrub");
  const i = Math.min(Math.max(Math.round(Number(scrub.value) * episode.fps) + delta, 0), episode.time.length - 1);
  scrub.value = episode.time[i];
  seek(episode.time[i]);
}
imitate.keys = {j: () => step(-1), k: () => step(1), p: play, ArrowLeft: () => frame(-1), ArrowRight: () => frame(1)};
loadList();
