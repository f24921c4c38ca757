// Helpers of the console's browser tests: Debian's Chromium driven by playwright-core (no
// downloaded browser), headless, with the flags this closed machine needs; a screenshot of each
// step kept in the test's output folder.
import { chromium } from "playwright-core";

// A new headless Chromium and a page of it. `shots`: the folder screenshots go to.
export async function openBrowser(shots) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  let step = 0;
  // Saves a screenshot of the page as NN-name.png.
  const shoot = async (name) => {
    step += 1;
    await page.screenshot({ path: `${shots}/${String(step).padStart(2, "0")}-${name}.png`, fullPage: true });
  };
  return { browser, page, shoot };
}

// Fills the console's sign-in form at `url` with an access key (and `password` when given) and
// submits it.
export async function submitSignIn(page, url, accessKeyId, secretAccessKey, password = "") {
  await page.goto(url);
  await page.getByLabel("Access key ID").fill(accessKeyId);
  await page.getByLabel("Secret access key").fill(secretAccessKey);
  await page.getByLabel("Console password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

// Signs in on the console at `url`; waits for the instances view.
export async function signIn(page, url, accessKeyId, secretAccessKey, password = "") {
  await submitSignIn(page, url, accessKeyId, secretAccessKey, password);
  await page.getByRole("heading", { name: "Instances" }).waitFor();
}

// Reads the JSON object the test gives as the first argument.
export function testInput() {
  return JSON.parse(process.argv[2]);
}
