// The instances view in a real browser: the account's root signs in and sees its instances with
// their state, type and zone; the filter narrows the list; the region switcher shows another
// region's (empty) list; a read-only user signs in, sees the same list, and is told plainly that
// it may not terminate. Input (argv[2], JSON): url, root and readOnly ({accessKeyId,
// secretAccessKey}), instanceId, shots. Prints one JSON line on success; exits 1 on failure.
import assert from "node:assert/strict";
import { openBrowser, signIn, testInput } from "./browser.mjs";

const input = testInput();
const { browser, page, shoot } = await openBrowser(input.shots);
try {
  await signIn(page, input.url, input.root.accessKeyId, input.root.secretAccessKey);
  const row = page.locator(`#instances tr[data-key="${input.instanceId}"]`);
  await row.waitFor();
  await shoot("root-instances");
  assert.match(await row.innerText(), /t3\.micro/);
  assert.match(await page.locator("#identity").innerText(), /:root$/);

  await page.getByLabel("Filter").fill(input.instanceId);
  assert.equal(await page.locator("#instances tbody tr").count(), 1);
  await page.getByLabel("Filter").fill("no-such-instance");
  assert.equal(await page.locator("#instances tbody tr").count(), 0);
  await shoot("filtered-out");
  await page.getByLabel("Filter").fill("");

  await page.getByLabel("Region").selectOption("eu-west-1");
  await page.locator("#instance-count").getByText("0 of 0 instances").waitFor();
  await shoot("other-region");
  await page.getByLabel("Region").selectOption("us-east-1");
  await row.waitFor();

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, input.url, input.readOnly.accessKeyId, input.readOnly.secretAccessKey);
  await row.waitFor();
  await row.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Terminate" }).click();
  const alert = page.getByRole("alert");
  await alert.getByText("UnauthorizedOperation").waitFor();
  const denial = await alert.innerText();
  assert.match(denial, /not authorized to perform: ec2:TerminateInstances/);
  await shoot("read-only-denied");
  console.log(JSON.stringify({ denial }));
} finally {
  await browser.close();
}
