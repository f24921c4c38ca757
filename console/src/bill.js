// The Bill view: the account's cost so far this month (UTC) per day and service, from Cost
// Explorer's GetCostAndUsage, as a stacked bar chart (SVG) and the same numbers in a table.
import { GetCostAndUsageCommand } from "@aws-sdk/client-cost-explorer";
import { el, poll } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#0972d3", "#e07941", "#1d8102", "#8d6605", "#7d3cb5", "#d13212", "#5f6b7a", "#037f8c"];

// YYYY-MM-DD of `date` (UTC).
const day = (date) => date.toISOString().slice(0, 10);

// An SVG element `tag` with attributes `attrs`.
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// {days: [YYYY-MM-DD], services: [name], cost: {service: {day: USD}}} from GetCostAndUsage's answer.
function tabulate(results) {
  const days = [];
  const cost = {};
  for (const period of results) {
    days.push(period.TimePeriod.Start);
    for (const group of period.Groups ?? []) {
      const service = group.Keys[0];
      cost[service] ??= {};
      cost[service][period.TimePeriod.Start] = Number(group.Metrics.UnblendedCost.Amount);
    }
  }
  const total = (s) => Object.values(cost[s]).reduce((a, b) => a + b, 0);
  const services = Object.keys(cost).sort((a, b) => total(b) - total(a));
  return { days, services, cost, total };
}

// The stacked bar chart of `data`.
function chart({ days, services, cost }) {
  const width = 800;
  const height = 240;
  const perDay = days.map((d) => services.reduce((sum, s) => sum + (cost[s][d] ?? 0), 0));
  const top = Math.max(...perDay, 0.000001);
  const slot = width / Math.max(days.length, 1);
  const bars = [];
  days.forEach((d, i) => {
    let y = height;
    services.forEach((s, k) => {
      const h = ((cost[s][d] ?? 0) / top) * (height - 20);
      if (h <= 0) return;
      y -= h;
      bars.push(svg("rect", { x: i * slot + 2, y, width: Math.max(slot - 4, 1), height: h, fill: COLOURS[k % COLOURS.length] },
        svg("title", {}, `${d} ${s}: $${(cost[s][d] ?? 0).toFixed(4)}`)));
    });
  });
  const legend = services.map((s, k) => svg("text", { x: 0, y: height + 18 + k * 16, fill: COLOURS[k % COLOURS.length] }, s));
  return svg("svg", {
    id: "bill-chart", viewBox: `0 0 ${width} ${height + 20 + services.length * 16}`, role: "img",
    "aria-label": `Cost per day and service, ${days.length} days; the table below has the numbers`,
  }, ...bars, ...legend);
}

// Mounts the view in `container`; returns its unmount function.
export function mountBill(container, { ce }) {
  const body = el("div", { id: "bill" });
  const polling = poll(async () => {
    const now = new Date();
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    const answer = await ce.send(new GetCostAndUsageCommand({
      TimePeriod: { Start: day(start), End: day(end) }, Granularity: "DAILY", Metrics: ["UnblendedCost"],
      GroupBy: [{ Type: "DIMENSION", Key: "SERVICE" }],
    }));
    const data = tabulate(answer.ResultsByTime ?? []);
    const sum = data.services.reduce((all, s) => all + data.total(s), 0);
    body.replaceChildren(
      el("p", { id: "bill-total" }, `Month so far: $${sum.toFixed(4)}`),
      chart(data),
      el("table", { id: "bill-table" },
        el("caption", {}, "Cost per service (USD)"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Service"), el("th", { scope: "col" }, "Month so far"),
          ...data.days.map((d) => el("th", { scope: "col" }, d.slice(8))))),
        el("tbody", {}, ...data.services.map((s) => el("tr", {}, el("th", { scope: "row" }, s),
          el("td", {}, data.total(s).toFixed(4)), ...data.days.map((d) => el("td", {}, (data.cost[s][d] ?? 0).toFixed(4))))))));
  }, () => 60000);
  container.replaceChildren(el("h2", {}, "Bill"), body);
  return polling.stop;
}
