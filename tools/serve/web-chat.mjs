// Drives jllm serve's web chat page in a real headless Chromium (playwright-core, the system's
// /usr/bin/chromium): sends a message, watches the reply grow token by token, checks the stats
// line (tokens/s), then stops a long reply in a new chat with the Stop button. Saves a
// screenshot of the first reply.
// Usage: node web-chat.mjs BASE_URL SCREENSHOT.png [MESSAGE]
import { chromium } from "playwright-core";

const [baseURL, shot, message] = [process.argv[2], process.argv[3], process.argv[4] || "Tell me a short story about a river."];
if (!baseURL || !shot) {
  console.error("usage: node web-chat.mjs BASE_URL SCREENSHOT.png [MESSAGE]");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, headless: true, args: ["--headless", "--no-sandbox"] });
const result = { ok: false };
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors = [];
  page.on("pageerror", e => errors.push(String(e)));
  page.on("requestfailed", r => { if (!r.url().endsWith("/chat/completions")) errors.push("request failed: " + r.url()); });
  await page.goto(baseURL + "/");
  await page.waitForFunction(() => document.getElementById("model").textContent.startsWith("model: "));
  await page.fill("#maxTokens", "48");
  await page.fill("#system", "You are a helpful assistant.");
  // Record every length the reply passes through while it streams.
  await page.evaluate(() => {
    window.__lengths = [];
    new MutationObserver(() => {
      const b = document.querySelector(".msg.assistant:last-child .body");
      if (b) window.__lengths.push(b.textContent.length);
    }).observe(document.getElementById("log"), { subtree: true, childList: true, characterData: true });
  });
  await page.fill("#input", message);
  await page.click("#send");
  await page.waitForSelector(".msg.assistant.done", { timeout: 120000 });
  const reply = await page.textContent(".msg.assistant.done .body");
  const lengths = await page.evaluate(() => window.__lengths);
  const stats = await page.textContent("#stats");
  result.reply = reply;
  result.updates = new Set(lengths.filter(n => n > 0)).size;
  result.stats = stats;
  await page.screenshot({ path: shot });

  // Stop: in a new chat, a reply as long as the context allows, stopped after its first tokens.
  // The click happens inside the page the moment text shows while Stop is enabled, so a fast
  // model cannot finish in between; a reply that ends (end-of-turn) before any text was
  // shown is tried again.
  const health = await (await fetch(baseURL + "/health")).json();
  let outcome = "finished";
  for (let attempt = 0; attempt < 3 && outcome === "finished"; attempt++) {
    await page.click("#clear");
    await page.fill("#maxTokens", String(Math.min(500, health.context_length - 64)));
    await page.fill("#input", "And another, much longer one.");
    await page.click("#send");
    const handle = await page.waitForFunction(() => {
      if (document.querySelector(".msg.error")) return "error";
      const b = document.querySelector(".msg.assistant .body"), stop = document.getElementById("stop");
      if (b && b.textContent.length > 0 && !stop.disabled) { stop.click(); return "clicked"; }
      if (document.querySelector(".msg.assistant.done")) return "finished";
      return false;
    }, null, { timeout: 120000, polling: 5 });
    outcome = await handle.jsonValue();
  }
  if (outcome === "error") throw new Error("the long request failed: " + await page.textContent(".msg.error .body"));
  if (outcome !== "clicked") throw new Error("every long reply ended before Stop could be pressed");
  await page.waitForFunction(() => document.getElementById("stats").textContent.includes("stopped"), null, { timeout: 30000 });
  result.stopped = await page.textContent("#stats");
  result.sendEnabledAfterStop = await page.isEnabled("#send");
  result.errors = errors;
  result.ok = reply.length > 0 && result.updates > 1 && /tokens\/s/.test(stats) && result.sendEnabledAfterStop && errors.length === 0;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
