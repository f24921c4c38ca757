// Every view of the console in a real browser, signed in as the account's root: the launch wizard
// launches an instance that the list then shows; a security group gets an inbound rule that its
// rule table then shows, and loses it; a volume is created, snapshotted, and both are listed; an
// Elastic IP is allocated and released; the bill shows the month so far. Input (argv[2], JSON):
// url, root ({accessKeyId, secretAccessKey}), shots. Prints one JSON line on success.
import assert from "node:assert/strict";
import { openBrowser, signIn, testInput } from "./browser.mjs";

const input = testInput();
const { browser, page, shoot } = await openBrowser(input.shots);
const notice = page.getByRole("alert");
try {
  await signIn(page, input.url, input.root.accessKeyId, input.root.secretAccessKey);

  // Launch: the wizard's choices come from the API; the new instance shows in the list.
  await page.getByRole("link", { name: "Launch", exact: true }).click();
  await page.getByRole("heading", { name: "Launch an instance" }).waitFor();
  await page.getByLabel("Name", { exact: true }).fill("from-the-wizard");
  await page.locator("#launch-subnet option").first().waitFor({ state: "attached" });
  await page.getByLabel("Subnet").selectOption({ index: 1 });
  await page.getByLabel("User data").fill("#!/bin/bash\necho hello\n");
  await shoot("launch-wizard");
  await page.getByRole("button", { name: "Launch", exact: true }).click();
  await notice.getByText(/^Launching i-[0-9a-f]+\.$/).waitFor();
  const instanceId = (await notice.innerText()).match(/i-[0-9a-f]+/)[0];
  const row = page.locator(`#instances tr[data-key="${instanceId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /from-the-wizard/);
  await shoot("launched");

  // Security groups: add an inbound rule to the default group, see it, remove it.
  await page.getByRole("link", { name: "Security groups" }).click();
  await page.locator("#group-choice option").first().waitFor({ state: "attached" });
  await page.getByLabel("From port").fill("8080");
  await page.getByLabel("To port").fill("8081");
  await page.getByLabel("CIDR").fill("10.9.0.0/16");
  await page.getByRole("button", { name: "Add rule" }).click();
  const rule = page.locator("#group-rules tr", { hasText: "10.9.0.0/16" });
  await rule.waitFor();
  assert.match(await rule.innerText(), /inbound\s+tcp\s+8080-8081/);
  await shoot("rule-added");
  await rule.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Remove selected rules" }).click();
  await rule.waitFor({ state: "detached" });

  // Volumes: create one, snapshot it; both listed.
  await page.getByRole("link", { name: "Volumes and snapshots" }).click();
  await page.locator("#volume-zone option").first().waitFor({ state: "attached" });
  await page.getByLabel("Size (GiB)").fill("1");
  await page.getByRole("button", { name: "Create volume" }).click();
  await notice.getByText(/^Creating vol-[0-9a-f]+\.$/).waitFor();
  const volumeId = (await notice.innerText()).match(/vol-[0-9a-f]+/)[0];
  const volume = page.locator(`#volumes tr[data-key="${volumeId}"]`);
  await volume.getByText("available").waitFor({ timeout: 30000 });
  await volume.getByRole("checkbox").check();
  await page.getByLabel("Snapshot description").fill("from the console");
  await page.getByRole("button", { name: "Create snapshot" }).click();
  const snapshot = page.locator("#snapshots tr", { hasText: "from the console" });
  await snapshot.waitFor();
  assert.match(await snapshot.innerText(), new RegExp(volumeId));
  await shoot("volume-and-snapshot");

  // Elastic IPs: allocate, see, release.
  await page.getByRole("link", { name: "Elastic IPs" }).click();
  await page.getByRole("button", { name: "Allocate address" }).click();
  await notice.getByText(/^Allocated [0-9.]+\.$/).waitFor();
  const ip = (await notice.innerText()).match(/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/)[0];
  const address = page.locator("#addresses tr", { hasText: ip });
  await address.waitFor();
  await shoot("address");
  await address.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Release" }).click();
  await address.waitFor({ state: "detached" });

  // The bill: the month so far, and a row per service that cost something.
  await page.getByRole("link", { name: "Bill" }).click();
  await page.locator("#bill-total").waitFor();
  const total = await page.locator("#bill-total").innerText();
  assert.match(total, /^Month so far: \$\d+\.\d{4}$/);
  await page.locator("#bill-chart").waitFor();
  await shoot("bill");
  console.log(JSON.stringify({ instanceId, volumeId, ip, total }));
} finally {
  await browser.close();
}
