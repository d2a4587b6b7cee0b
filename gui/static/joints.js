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
  withPlan: false,  // Inference: draw the policy's newest chunk ahead of now (set before init)
  reset() {
    this.idx = this.groups[document.getElementById("joint-group").value];
    this.t0 = Date.now() / 1000;
    const traces = [];
    this.idx.forEach((i, k) => {
      const color = `hsl(${(k * 360) / this.idx.length}, 70%, 40%)`;
      traces.push({x: [], y: [], name: this.names[i], mode: "lines", line: {color}});
      traces.push({x: [], y: [], name: this.names[i] + " cmd", mode: "lines", line: {color, dash: "dot"}, showlegend: false});
    });
    if (this.withPlan) this.idx.forEach((i, k) => {  // after the live traces: 3 per joint, redrawn each tick
      const color = `hsl(${(k * 360) / this.idx.length}, 70%, 40%)`;
      traces.push({x: [], y: [], name: "plan, executed", mode: "lines", line: {color, width: 1}, opacity: 0.35, showlegend: k === 0});
      traces.push({x: [], y: [], name: "plan, ahead", mode: "lines+markers", marker: {size: 3}, line: {color, width: 3}, showlegend: k === 0});
      traces.push({x: [], y: [], name: "raw target (before safety)", mode: "markers", marker: {color, symbol: "x", size: 9}, showlegend: k === 0});
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
    if (this.withPlan) this.drawPlan(t);
  },
  async drawPlan(t) {
    const r = await (await fetch("/api/policy/plan")).json().catch(() => null);
    const plan = r && r.plan, n = this.idx.length, x = [], y = [], indices = [];
    this.idx.forEach((i, k) => {
      const done = [], ahead = [];
      (plan ? plan.offsets_s : []).forEach((dt, step) => (dt <= 0 ? done : ahead).push([t + dt, plan.actions[step][i]]));
      if (done.length && ahead.length) ahead.unshift(done[done.length - 1]);  // one line, two looks
      x.push(done.map((p) => p[0]), ahead.map((p) => p[0]), plan && plan.raw_now ? [t] : []);
      y.push(done.map((p) => p[1]), ahead.map((p) => p[1]), plan && plan.raw_now ? [plan.raw_now[i]] : []);
      indices.push(2 * n + 3 * k, 2 * n + 3 * k + 1, 2 * n + 3 * k + 2);
    });
    Plotly.restyle("joint-plot", {x, y}, indices);
  },
};
document.addEventListener("DOMContentLoaded", () => livePlot.init());
