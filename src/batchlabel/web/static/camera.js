// Camera barcode scanning for batchlabel. Plain ES module, no build step.
// zxing-wasm 3.1.4 reader build is vendored so nothing is fetched from a CDN
// (its default locateFile points at fastly.jsdelivr.net).
import { prepareZXingModule, readBarcodes } from "./zxing/reader/index.js";

const OPTIONS = {
  // Canonical zxing-wasm 3.x names ("EAN-13" etc. are accepted aliases).
  formats: ["QRCode", "DataMatrix", "Code128", "EAN13", "EAN8", "UPCA", "UPCE"],
  textMode: "Plain", // keeps the 0x1D group separators of GS1 data as-is
  tryHarder: true,
  maxNumberOfSymbols: 1,
};
const HOLD_MS = 2000;
const DEFAULT_WASM = new URL("./zxing/reader/zxing_reader.wasm", import.meta.url).href;

export async function startCamera(video, onCode, wasmUrl = DEFAULT_WASM) {
  // Without a secure context Chrome/Safari leave navigator.mediaDevices undefined;
  // give the page a recognisable error instead of a TypeError.
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    const err = new Error("Camera access needs HTTPS (or http://localhost); this page is " + location.origin);
    err.name = "InsecureContextError";
    throw err;
  }

  // Must run before the first readBarcodes(): that call reuses whatever module was
  // prepared, and would otherwise prepare one with the CDN locateFile.
  const wasmUrlAbs = new URL(wasmUrl, document.baseURI).href;
  const ready = prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrlAbs : prefix + path) },
    fireImmediately: true,
  });
  ready.catch(() => {}); // awaited below; silences the unhandled rejection if getUserMedia fails first

  // "ideal" facingMode, not "exact": laptops with one front camera must still work.
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  let stopped = false;
  let handle;
  const hasRvfc = "requestVideoFrameCallback" in HTMLVideoElement.prototype;

  function stop() {
    if (stopped) return;
    stopped = true;
    if (hasRvfc) video.cancelVideoFrameCallback(handle); else clearTimeout(handle);
    stream.getTracks().forEach((t) => t.stop()); // releases the camera light
    video.srcObject = null;
  }

  try {
    video.muted = true;
    video.playsInline = true; // iOS Safari would otherwise go fullscreen
    video.srcObject = stream;
    await Promise.all([video.play(), ready]);
  } catch (e) {
    stop();
    throw e;
  }

  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true }); // keeps getImageData off the GPU path
  let lastText = "", lastSeen = -Infinity;

  // Next decode is scheduled only after this one ends, so a slow phone drops frames
  // instead of queueing them.
  const schedule = () => {
    if (stopped) return;
    handle = hasRvfc ? video.requestVideoFrameCallback(tick) : setTimeout(tick, 100);
  };

  async function tick() {
    if (stopped) return;
    const w = video.videoWidth, h = video.videoHeight;
    if (w && h) {
      if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
      ctx.drawImage(video, 0, 0, w, h);
      try {
        const [r] = await readBarcodes(ctx.getImageData(0, 0, w, h), OPTIONS);
        if (r?.isValid && !stopped) {
          // GS1 data needs its symbology identifier (]d2, ]C1, ]Q3) to be told apart from plain text.
          const text = r.contentType === "GS1" ? r.symbologyIdentifier + r.text : r.text;
          const now = performance.now();
          // A code held in view is one scan: refresh the timestamp on every sighting,
          // fire again only after it has been out of view for HOLD_MS.
          const isNew = text !== lastText || now - lastSeen > HOLD_MS;
          lastText = text; lastSeen = now;
          if (isNew) onCode(text, r);
        }
      } catch (e) {
        console.error("barcode decode failed", e);
      }
    }
    schedule();
  }

  schedule();
  return stop;
}
