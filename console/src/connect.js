// The Connect view of one instance (#connect/INSTANCE_ID): an SSH terminal in the page, for which
// the server pushes a fresh key with EC2 Instance Connect as the signed-in caller (so IAM
// decides); and the serial console: the port itself, interactive (for callers allowed
// ec2-instance-connect:SendSerialConsoleSSHPublicKey, once the account enabled serial console
// access), and its output so far (GetConsoleOutput).
import { GetConsoleOutputCommand } from "@aws-sdk/client-ec2";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { terminalUrl } from "./session.js";
import { el, errorText, field, notice, poll } from "./ui.js";

// A terminal in `screen` bridged to the console's WebSocket at `path`, its status told in
// `status`. open(query) connects (query: the request's parameters besides the terminal's size);
// stop() disconnects.
function bridgedTerminal(session, path, screen, status) {
  let socket = null;
  let terminal = null;
  function stop() {
    socket?.close();
    terminal?.dispose();
    socket = null;
    terminal = null;
  }
  async function open(query, connectedText) {
    stop();
    notice("");
    terminal = new Terminal({ cursorBlink: true, fontFamily: "monospace", fontSize: 14 });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(screen);
    fit.fit();
    status.textContent = "Connecting…";
    const url = await terminalUrl(session, path, { ...query, cols: String(terminal.cols), rows: String(terminal.rows) });
    const ws = new WebSocket(url);
    socket = ws;
    ws.binaryType = "arraybuffer";
    const encoder = new TextEncoder();
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return terminal?.write(new Uint8Array(event.data));
      const message = JSON.parse(event.data);
      if (message.error) {
        status.textContent = "Not connected.";
        notice(message.error);
      } else if (message.status === "connected") {
        status.textContent = connectedText;
        terminal?.focus();
      } else if (message.status === "closed") {
        status.textContent = `Session closed (exit status ${message.exit}).`;
      }
    };
    ws.onclose = () => {
      if (socket === ws && status.textContent === connectedText) status.textContent = "Disconnected.";
    };
    terminal.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
    terminal.onResize(({ cols, rows }) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ resize: [cols, rows] })));
  }
  return { open, stop };
}

// The SSH tab: an OS user, Connect, and the terminal. Returns {element, stop}.
function sshTab(session, instanceId) {
  const user = el("input", { id: "connect-user", value: "ec2-user" });
  const status = el("p", { id: "connect-status", role: "status" }, "Not connected.");
  const screen = el("div", { id: "terminal", class: "terminal" });
  const terminal = bridgedTerminal(session, "/_stratus/console/connect", screen, status);
  const connect = () => terminal.open({ InstanceId: instanceId, InstanceOSUser: user.value.trim() },
    `Connected as ${user.value.trim()}.`);
  const element = el("section", { "aria-label": "SSH" },
    el("div", { class: "toolbar" }, field("OS user", user),
      el("button", { type: "button", onclick: connect }, "Connect"),
      el("button", { type: "button", onclick: () => { terminal.stop(); status.textContent = "Disconnected."; } }, "Disconnect")),
    status, screen);
  return { element, stop: terminal.stop };
}

// The serial console tab: the port, interactive, and its output so far (refreshed every 5 s).
function serialTab(session, ec2, instanceId) {
  const status = el("p", { id: "serial-status", role: "status" }, "Not connected.");
  const screen = el("div", { id: "serial-terminal", class: "terminal" });
  const terminal = bridgedTerminal(session, "/_stratus/console/serial", screen, status);
  const output = el("pre", { id: "serial-output", class: "serial", tabindex: "0" });
  const polling = poll(async () => {
    try {
      const answer = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
      const bytes = Uint8Array.from(atob(answer.Output ?? ""), (c) => c.charCodeAt(0));
      output.textContent = new TextDecoder().decode(bytes);
      output.scrollTop = output.scrollHeight;
    } catch (error) {
      output.textContent = errorText(error);
    }
  }, () => 5000);
  const element = el("section", { "aria-label": "Serial console", hidden: true },
    el("p", {}, "The instance's first serial port. Needs serial console access turned on for the account ",
      "(EnableSerialConsoleAccess) and ec2-instance-connect:SendSerialConsoleSSHPublicKey; one session at a time."),
    el("div", { class: "toolbar" },
      el("button", { type: "button", onclick: () => terminal.open({ InstanceId: instanceId }, "Connected to the serial port.") },
        "Connect to the serial port"),
      el("button", { type: "button", onclick: () => { terminal.stop(); status.textContent = "Disconnected."; } }, "Disconnect")),
    status, screen,
    el("h3", {}, "Console output"), output);
  return { element, stop: () => { terminal.stop(); polling.stop(); } };
}

// Mounts the view for the instance the hash names in `container`; returns its unmount function.
export function mountConnect(container, { ec2, session }, instanceId) {
  const ssh = sshTab(session, instanceId);
  const serial = serialTab(session, ec2, instanceId);
  const tabs = [["SSH", ssh], ["Serial console", serial]];
  const buttons = tabs.map(([label, tab], i) => el("button", {
    type: "button", role: "tab", "aria-selected": String(i === 0),
    onclick: () => tabs.forEach(([, other], k) => {
      other.element.hidden = other !== tab;
      buttons[k].setAttribute("aria-selected", String(other === tab));
    }),
  }, label));
  container.replaceChildren(
    el("h2", {}, `Connect to ${instanceId}`),
    el("div", { role: "tablist", class: "toolbar" }, ...buttons),
    ssh.element, serial.element);
  return () => {
    ssh.stop();
    serial.stop();
  };
}
