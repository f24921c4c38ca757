// Times the console in headless Chromium against a running region, signed in already (the session
// kept in the tab), `runs` times: from navigation start to the page's load, to the first page of
// the instance list drawn, to every instance's row drawn (the page's performance marks), and to
// the browser showing them (the next animation frame). Prints one JSON line of medians.
// Usage: node first_render.mjs URL ACCESS_KEY_ID SECRET_ACCESS_KEY EXPECTED_INSTANCES RUNS
import { openBrowser, signIn } from "../tests/browser.mjs";

const [url, accessKeyId, secretAccessKey, expected, runs] = process.argv.slice(2);
const { browser, page } = await openBrowser("/tmp");
try {
  await signIn(page, url, accessKeyId, secretAccessKey);
  const samples = [];
  for (let i = 0; i < Number(runs); i++) {
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction((n) => document.getElementById("instance-count")?.textContent === `${n} of ${n} instances`,
      expected, { timeout: 60000, polling: "raf" });
    samples.push(await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const calls = performance.getEntriesByType("resource").filter((e) => e.initiatorType === "fetch")
        .map((e) => ({ start: Math.round(e.startTime), wait: Math.round(e.responseStart - e.requestStart),
          end: Math.round(e.responseEnd), bytes: e.transferSize }));
      const mark = (name) => Math.round(performance.getEntriesByName(name)[0]?.startTime ?? -1);
      return { firstPage: mark("instances-first-page-drawn"), drawn: mark("instances-drawn"), list: performance.now(), load: nav.loadEventEnd, domContentLoaded: nav.domContentLoadedEventEnd, calls };
    }));
  }
  const median = (key) => samples.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  console.log(JSON.stringify({
    runs: samples.length, list_ms: median("list"), load_ms: median("load"), dom_content_loaded_ms: median("domContentLoaded"),
    list_samples_ms: samples.map((s) => Math.round(s.list)),
    first_page_ms: median("firstPage"), drawn_ms: median("drawn"), calls: samples[samples.length - 1].calls,
  }));
} finally {
  await browser.close();
}
