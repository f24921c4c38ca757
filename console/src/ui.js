// Small DOM helpers shared by the views: element building, the notice line, and errors as the
// API gave them.

// A new element `tag` with attributes/properties `attrs` ("on*" functions become listeners) and
// `children` (strings become text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

// Shows `message` in the page's alert line (an error unless `ok`); an empty message hides it.
export function notice(message, ok = false) {
  const box = document.getElementById("notice");
  box.textContent = message;
  box.className = ok ? "ok" : "";
  box.hidden = !message;
}

// "Code: message" of an SDK error, as the API answered it, without EC2's encoded authorization
// message (which only sts:DecodeAuthorizationMessage reads).
export function errorText(error) {
  const code = error.Code || error.name || "Error";
  const message = String(error.message).replace(/ Encoded authorization failure message: \S+/, "");
  return `${code}: ${message}`;
}

// Runs `work`; an error it throws goes to the notice line. Returns what `work` returned, or
// undefined after an error.
export async function reporting(work) {
  try {
    return await work();
  } catch (error) {
    notice(errorText(error));
    return undefined;
  }
}

// A table of items with a checkbox per row (when `selectable`): `columns` are {title, value(item),
// className(item)?}; `key(item)` names a row (data-key, and the checkbox's value). render(items)
// redraws it keeping the checked rows; selected() lists the checked keys.
export function dataTable({ id, caption, columns, key, selectable = true }) {
  const body = el("tbody");
  const headers = columns.map((c) => el("th", { scope: "col" }, c.title));
  const element = el("table", { id },
    el("caption", { class: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, selectable ? el("th", { scope: "col" }, "Select") : null, ...headers)),
    body);
  const selected = () => [...body.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
  function render(items) {
    const keep = new Set(selected());
    const rows = document.createDocumentFragment();
    for (const item of items) {
      const name = key(item);
      const cells = columns.map((c) => el("td", { class: c.className?.(item) }, c.value(item) ?? ""));
      const box = selectable ? el("input", { type: "checkbox", value: name, "aria-label": `Select ${name}`, checked: keep.has(name) }) : null;
      rows.append(el("tr", { "data-key": name }, box ? el("td", {}, box) : null, ...cells));
    }
    body.replaceChildren(rows);
  }
  return { element, render, selected };
}

// The value of tag `key` among `tags` (an AWS Tags list), or "".
export function tagValue(tags, key) {
  return tags?.find((t) => t.Key === key)?.Value ?? "";
}

// Calls `load` now and then again every `every(result)` milliseconds until the returned stop
// function is called; an error goes to the notice line and the polling goes on.
export function poll(load, every) {
  let timer = null;
  let stopped = false;
  async function tick() {
    clearTimeout(timer);
    const result = await reporting(load);
    if (!stopped) timer = setTimeout(tick, every(result));
  }
  tick();
  return { refresh: tick, stop: () => { stopped = true; clearTimeout(timer); } };
}

// A labelled form field: `control` (an input, select or textarea with an id) after its label.
export function field(label, control) {
  return el("div", { class: "field" }, el("label", { for: control.id }, label), control);
}

// Options for a <select> from `items`: value(item) and text(item); `blank` adds a first empty one.
export function options(items, value, text, blank) {
  const out = items.map((item) => el("option", { value: value(item) }, text(item)));
  if (blank !== undefined) out.unshift(el("option", { value: "" }, blank));
  return out;
}

// Runs the API call `work` and reports `done` (a sentence, or a function of the call's answer
// giving one) or the API's error in the notice line; true when it succeeded.
export async function act(work, done) {
  try {
    const answer = await work();
    notice(typeof done === "function" ? done(answer) : done, true);
    return true;
  } catch (error) {
    notice(errorText(error));
    return false;
  }
}
