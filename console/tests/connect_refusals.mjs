// Connect in a real browser without a booted guest (the instance stays pending): the page
// presigns the WebSocket for ec2-instance-connect, the server authorizes it as the signed-in
// caller and answers with the API's error, shown in the page: the root is told the instance is
// not running, and that the account has not enabled serial console access; a read-only user is
// told it may not push a key. Input (argv[2], JSON): url, root,
// readOnly, instanceId, shots. Prints one JSON line on success.
import { openBrowser, signIn, testInput } from "./browser.mjs";

const input = testInput();
const { browser, page, shoot } = await openBrowser(input.shots);
const alert = page.getByRole("alert");

// Opens the Connect view of the instance and presses Connect; the alert's text.
async function connectRefused(code) {
  await page.goto(`${input.url}#connect/${input.instanceId}`);
  await page.getByRole("heading", { name: `Connect to ${input.instanceId}` }).waitFor();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await alert.getByText(code).waitFor();
  return alert.innerText();
}

try {
  await signIn(page, input.url, input.root.accessKeyId, input.root.secretAccessKey);
  const notRunning = await connectRefused("EC2InstanceStateInvalidException");
  await shoot("connect-not-running");
  await page.getByRole("tab", { name: "Serial console" }).click();
  await page.locator("#serial-output").waitFor();
  await page.getByRole("button", { name: "Connect to the serial port" }).click();
  await alert.getByText("SerialConsoleAccessDisabledException").waitFor();
  const serialDisabled = await alert.innerText();
  await shoot("serial-disabled");
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, input.url, input.readOnly.accessKeyId, input.readOnly.secretAccessKey);
  const denied = await connectRefused("AccessDeniedException");
  await shoot("connect-denied");
  console.log(JSON.stringify({ notRunning, denied, serialDisabled }));
} finally {
  await browser.close();
}
