// The console with a real instance, in a real browser: launched from the wizard (with the SSH
// security group the test made), watched to running in the list, Connect opens a terminal in the
// page (a key pushed with EC2 Instance Connect as the signed-in root), where
// `curl -s 169.254.169.254/latest/meta-data/instance-id` prints the instance's own id; the serial
// console tab reaches the port's login prompt; then it is stopped and terminated from the list. Input (argv[2], JSON): url, root, group (the SSH group's
// id), shots. Prints one JSON line on success.
import assert from "node:assert/strict";
import { openBrowser, signIn, testInput } from "./browser.mjs";

const input = testInput();
const { browser, page, shoot } = await openBrowser(input.shots);
const alert = page.getByRole("alert");
const BOOT = 300000;

// Waits for the instance's row to show `state`.
async function waitState(row, state) {
  await row.locator("td.state", { hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: BOOT });
}

try {
  await signIn(page, input.url, input.root.accessKeyId, input.root.secretAccessKey);
  await page.getByRole("link", { name: "Launch", exact: true }).click();
  await page.locator(`#launch-group option[value="${input.group}"]`).waitFor({ state: "attached" });
  await page.getByLabel("Name", { exact: true }).fill("console-e2e");
  await page.getByLabel("Security group").selectOption(input.group);
  await shoot("wizard");
  await page.getByRole("button", { name: "Launch", exact: true }).click();
  await alert.getByText(/^Launching i-[0-9a-f]+\.$/).waitFor();
  const instanceId = (await alert.innerText()).match(/i-[0-9a-f]+/)[0];
  const row = page.locator(`#instances tr[data-key="${instanceId}"]`);
  await waitState(row, "pending");
  await shoot("pending");
  await waitState(row, "running");
  await shoot("running");

  // Connect, again until sshd answers (it starts a little after the state turns running).
  await row.getByRole("link", { name: `Connect to ${instanceId}` }).click();
  const screen = page.locator("#terminal .xterm-rows");
  const status = page.locator("#connect-status");
  const deadline = Date.now() + BOOT;
  for (;;) {
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    try {
      await screen.getByText(/ec2-user@/).first().waitFor({ timeout: 20000 });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no shell: ${await status.innerText()} ${await screen.innerText()}`);
      await page.waitForTimeout(3000);
    }
  }
  await page.locator("#terminal").click();
  await page.keyboard.type("curl -s 169.254.169.254/latest/meta-data/instance-id; echo\n");
  await screen.getByText(new RegExp(`^${instanceId}\\s*$`)).waitFor({ timeout: 30000 });
  await shoot("terminal");
  const terminalText = await screen.innerText();

  // The serial console (the test enabled access): the port's login prompt, typed into.
  await page.getByRole("tab", { name: "Serial console" }).click();
  await page.getByRole("button", { name: "Connect to the serial port" }).click();
  await page.locator("#serial-status", { hasText: "Connected to the serial port." }).waitFor();
  await page.locator("#serial-terminal").click();
  await page.keyboard.press("Enter");
  await page.locator("#serial-terminal .xterm-rows").getByText(/login:/).first().waitFor({ timeout: 30000 });
  await shoot("serial-console");
  const serialText = await page.locator("#serial-terminal .xterm-rows").innerText();

  // Stop, then terminate, from the list.
  await page.getByRole("link", { name: "Instances" }).click();
  await row.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await waitState(row, "stopped");
  await shoot("stopped");
  await row.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Terminate", exact: true }).click();
  await waitState(row, "terminated");
  await shoot("terminated");
  assert.ok(terminalText.includes(instanceId));
  console.log(JSON.stringify({ instanceId, terminalText, serialText }));
} finally {
  await browser.close();
}
