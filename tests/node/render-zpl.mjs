// Render ZPL with zebrash (zpl-renderer-js): an independent check of batchlabel's ZPL.
// Usage: node render-zpl.mjs WIDTH_MM HEIGHT_MM DPMM OUT_PREFIX < labels.zpl
// Writes OUT_PREFIX-0.png, OUT_PREFIX-1.png, ... one per ^XA..^XZ, and prints their count.
import fs from "node:fs";
import { ready } from "zpl-renderer-js";

const [widthMm, heightMm, dpmm, prefix] = process.argv.slice(2);
const zpl = fs.readFileSync(0, "utf8");
const { api } = await ready;
const labels = await api.zplToBase64MultipleAsync(zpl, Number(widthMm), Number(heightMm), Number(dpmm));
labels.forEach((label, index) => {
  fs.writeFileSync(`${prefix}-${index}.png`, Buffer.from(label, "base64"));
});
console.log(labels.length);
process.exit(0);
