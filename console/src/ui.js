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
