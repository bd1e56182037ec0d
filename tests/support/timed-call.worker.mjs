// Runs one exported function of an app module on a generated input and reports how long the call
// took. Used from a worker thread, so a call that backtracks for hours can be ended from outside.
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const modules = new Map();

parentPort.on("message", async ({ module, fn, input: { prefix = "", unit, count, suffix = "", asBuffer = false } }) => {
  try {
    let loaded = modules.get(module);
    if (!loaded) {
      loaded = await tsImport(module, import.meta.url);
      modules.set(module, loaded);
    }
    // Through a Buffer, so the timed call gets a flat string as a parser would give it: V8 flattens
    // a concatenated (rope) string on first use, which would be timed as the function's own work.
    const text = Buffer.from(prefix + unit.repeat(count) + suffix, "utf8").toString("utf8");
    const argument = asBuffer ? Buffer.from(text, "latin1") : text;
    const started = performance.now();
    const result = await loaded[fn](argument);
    parentPort.postMessage({ ms: performance.now() - started, inputChars: text.length, resultChars: typeof result === "string" ? result.length : null });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.stack : String(error) });
  }
});
