// A live plot of the follower's joints (solid) against the commands sent to them (dotted): the
// leader's while recording, the policy's while it drives. One group of joints at a time.
"use strict";
const livePlot = {
  windowS: 10,
  async init() {
    const first = await (await fetch("/api/joints")).json();
    this.names = first.names;
    const groups = {};
    first.names.forEach((n, i) => { const g = n.split("_").slice(0, -1).join("_") || n; (groups[g] = groups[g] || []).push(i); });
    this.groups = groups;
    const select = document.getElementById("joint-group");
    select.innerHTML = Object.keys(groups).map((g) => `<option>${g}</option>`).join("");
    select.addEventListener("change", () => this.reset());
    this.reset();
    setInterval(() => this.tick(), 100);
  },
  reset() {
    this.idx = this.groups[document.getElementById("joint-group").value];
    this.t0 = Date.now() / 1000;
    const traces = [];
    this.idx.forEach((i, k) => {
      const color = `hsl(${(k * 360) / this.idx.length}, 70%, 40%)`;
      traces.push({x: [], y: [], name: this.names[i], mode: "lines", line: {color}});
      traces.push({x: [], y: [], name: this.names[i] + " cmd", mode: "lines", line: {color, dash: "dot"}, showlegend: false});
    });
    Plotly.newPlot("joint-plot", traces, {margin: {t: 10, r: 10, b: 30, l: 40}, xaxis: {title: "s"}, yaxis: {title: "rad"}},
      {displayModeBar: false, responsive: true});
  },
  async tick() {
    const j = await (await fetch("/api/joints")).json().catch(() => null);
    if (!j) return;
    const t = j.time - this.t0;
    const xs = [], ys = [], traces = [];
    this.idx.forEach((i, k) => {
      xs.push([t], [t]); ys.push([j.state[i]], [j.command[i]]); traces.push(2 * k, 2 * k + 1);
    });
    Plotly.extendTraces("joint-plot", {x: xs, y: ys}, traces, 10 * this.windowS);
  },
};
document.addEventListener("DOMContentLoaded", () => livePlot.init());
