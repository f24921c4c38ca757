// Signing in as an IAM user that has a console password (a login profile), in a real browser: the
// access key alone is refused, and so is a wrong password, each with the reason; the right one
// signs in. Input (argv[2], JSON): url, user ({accessKeyId, secretAccessKey}), password, shots.
// Prints one JSON line on success.
import { openBrowser, signIn, submitSignIn, testInput } from "./browser.mjs";

const input = testInput();
const { browser, page, shoot } = await openBrowser(input.shots);
const alert = page.getByRole("alert");
try {
  const { accessKeyId, secretAccessKey } = input.user;
  await submitSignIn(page, input.url, accessKeyId, secretAccessKey);
  await alert.getByText("PasswordRequired").waitFor();
  const withoutPassword = await alert.innerText();
  await shoot("password-required");
  await submitSignIn(page, input.url, accessKeyId, secretAccessKey, input.password + "x");
  await alert.getByText("InvalidPassword").waitFor();
  const wrongPassword = await alert.innerText();
  await signIn(page, input.url, accessKeyId, secretAccessKey, input.password);
  const identity = await page.locator("#identity").innerText();
  await shoot("signed-in");
  console.log(JSON.stringify({ withoutPassword, wrongPassword, identity }));
} finally {
  await browser.close();
}
