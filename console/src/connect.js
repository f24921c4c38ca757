// The Connect view of one instance (#connect/INSTANCE_ID): an SSH terminal in the page over a
// WebSocket, for which the server pushes a fresh key with EC2 Instance Connect as the signed-in
// caller (so IAM decides), and the instance's serial console output (GetConsoleOutput).
import { GetConsoleOutputCommand } from "@aws-sdk/client-ec2";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { connectUrl } from "./session.js";
import { el, errorText, field, notice, poll } from "./ui.js";

// The SSH tab: an OS user, Connect, and the terminal. Returns {element, stop}.
function sshTab(session, instanceId) {
  const user = el("input", { id: "connect-user", value: "ec2-user" });
  const status = el("p", { id: "connect-status", role: "status" }, "Not connected.");
  const screen = el("div", { id: "terminal", class: "terminal" });
  let socket = null;
  let terminal = null;

  function stop() {
    socket?.close();
    terminal?.dispose();
    socket = null;
    terminal = null;
  }

  async function connect() {
    stop();
    notice("");
    terminal = new Terminal({ cursorBlink: true, fontFamily: "monospace", fontSize: 14 });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(screen);
    fit.fit();
    status.textContent = "Connecting…";
    const url = await connectUrl(session, instanceId, user.value.trim(), terminal.cols, terminal.rows);
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
      } else if (message.status === "connecting") {
        status.textContent = "Pushing a key with EC2 Instance Connect…";
      } else if (message.status === "connected") {
        status.textContent = `Connected as ${user.value.trim()}.`;
        terminal?.focus();
      } else if (message.status === "closed") {
        status.textContent = `Session closed (exit status ${message.exit}).`;
      }
    };
    ws.onclose = () => {
      if (socket === ws && status.textContent.startsWith("Connected")) status.textContent = "Disconnected.";
    };
    terminal.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
    terminal.onResize(({ cols, rows }) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ resize: [cols, rows] })));
  }

  const element = el("section", { "aria-label": "SSH" },
    el("div", { class: "toolbar" }, field("OS user", user),
      el("button", { type: "button", onclick: connect }, "Connect"),
      el("button", { type: "button", onclick: () => { stop(); status.textContent = "Disconnected."; } }, "Disconnect")),
    status, screen);
  return { element, stop };
}

// The serial console tab: the instance's console output, refreshed every 5 s.
function serialTab(ec2, instanceId) {
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
    el("p", {}, "The instance's serial console output (GetConsoleOutput), newest last."), output);
  return { element, stop: polling.stop };
}

// Mounts the view for the instance the hash names in `container`; returns its unmount function.
export function mountConnect(container, { ec2, session }, instanceId) {
  const ssh = sshTab(session, instanceId);
  const serial = serialTab(ec2, instanceId);
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
