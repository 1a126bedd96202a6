// The station's small helpers: a scanner's Ctrl+] as the GS byte, the label preview, printer
// states and job progress. Every page works without them.
"use strict";

document.addEventListener("keydown", (event) => {
  const field = event.target;
  if ((field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) &&
      field.hasAttribute("data-scan") &&
      event.ctrlKey && event.code === "BracketRight") {
    event.preventDefault();
    field.setRangeText("\x1d", field.selectionStart, field.selectionEnd, "end");
  }
});

function showPrinterState(target, url) {
  fetch(url, {credentials: "same-origin"})
    .then((answer) => answer.json())
    .then((state) => {
      target.textContent = state.ready ? "Ready" : ("Not ready: " + (state.problem || "no answer"));
      target.className = target.className.replace(/ ?(good|badtext)/g, "") + (state.ready ? " good" : " badtext");
    })
    .catch(() => { target.textContent = "State unknown"; });
}

function setUpPrintForm() {
  const form = document.getElementById("print-form");
  if (!form) return;
  const template = document.getElementById("template");
  const printer = document.getElementById("printer");
  const preview = document.getElementById("preview");
  const state = document.getElementById("printer-state");
  const note = document.getElementById("preview-note");
  const refresh = () => {
    const query = new URLSearchParams({template: template.value, printer: printer.value});
    fetch(form.dataset.preview + "?" + query.toString(), {credentials: "same-origin"})
      .then((answer) => answer.ok
        ? answer.blob().then((picture) => {
            preview.src = URL.createObjectURL(picture);
            note.textContent = "The first label, as it will print.";
          })
        : answer.json().then((problem) => { note.textContent = problem.error; }))
      .catch(() => { note.textContent = "The preview could not be drawn."; });
    const chosen = printer.selectedOptions[0];
    if (chosen && chosen.dataset.status) showPrinterState(state, chosen.dataset.status);
  };
  template.addEventListener("change", refresh);
  printer.addEventListener("change", refresh);
  refresh();
}

function setUpPrinterStates() {
  document.querySelectorAll("td.printer-state[data-status]").forEach((cell) => {
    showPrinterState(cell, cell.dataset.status);
  });
}

function setUpJob() {
  const job = document.getElementById("job");
  if (!job) return;
  const text = (id, value) => { document.getElementById(id).textContent = value; };
  const poll = () => {
    fetch(job.dataset.state, {credentials: "same-origin"})
      .then((answer) => answer.json())
      .then((state) => {
        text("count-confirmed", state.confirmed);
        text("count-uncertain", state.uncertain);
        text("count-pending", state.pending);
        text("count-voided", state.voided);
        if (state.serials) {  // sent once the job has stopped
          text("serials-sent", state.serials.sent.join(", ") || "None.");
          text("serials-pending", state.serials.pending.join(", ") || "None.");
          text("serials-confirmed", state.serials.confirmed.join(", ") || "None.");
          const reprint = document.getElementById("reprint-serials");
          if (reprint && !reprint.value) reprint.value = state.serials.sent.join(",");
        }
        const summary = document.getElementById("job-summary");
        if (state.running) {
          summary.textContent = "Printing…";
          summary.className = "notice hold";
        } else if (state.note) {
          summary.textContent = state.note;
          summary.className = "notice bad";
        } else if (state.uncertain || state.pending) {
          summary.textContent = "Stopped before every label was confirmed.";
          summary.className = "notice bad";
        } else {
          summary.textContent = "Every label printed and confirmed.";
          summary.className = "notice ok";
        }
        const wasRunning = job.dataset.running === "yes";
        job.dataset.running = state.running ? "yes" : "no";
        if (state.running) setTimeout(poll, 700);
        else if (wasRunning) window.location.reload();  // the actions that now apply
      })
      .catch(() => setTimeout(poll, 2000));
  };
  poll();
}

// A short tone: high for a good scan, low and long for one a person must look at.
let sounds = null;
function beep(good) {
  try {
    sounds = sounds || new AudioContext();
    const tone = sounds.createOscillator();
    const volume = sounds.createGain();
    tone.frequency.value = good ? 1320 : 220;
    tone.type = good ? "sine" : "square";
    volume.gain.value = 0.15;
    tone.connect(volume).connect(sounds.destination);
    tone.start();
    tone.stop(sounds.currentTime + (good ? 0.08 : 0.45));
  } catch (error) { /* no sound on this device: the colour still says it */ }
}

function scanItem(scan, okWord = "Received") {
  const item = document.createElement("li");
  item.className = "scan " + scan.tone;
  item.value = scan.number;
  const add = (tag, className, text) => {
    const part = document.createElement(tag);
    part.className = className;
    part.textContent = text;
    item.append(part, " ");
  };
  add("strong", "verdict", scan.verdicts.length ? scan.verdicts.join(", ") : okWord);
  add("span", "what", scan.what);
  if (scan.name) add("span", "muted", scan.name);
  add("span", "code muted", scan.code);
  scan.warnings.forEach((warning) => add("span", "warning", warning));
  add("span", "muted who", scan.who);
  return item;
}

// A carton's page after an item went in: its items and the count per batch, redrawn.
function showCarton(data) {
  const cells = (values, tag) => {
    const row = document.createElement("tr");
    values.forEach((value) => {
      const cell = document.createElement(tag);
      cell.textContent = value;
      row.append(cell);
    });
    return row;
  };
  const body = document.querySelector("#items tbody");
  if (body) body.replaceChildren(...data.rows.slice().reverse().map((r) => cells(r, "td")));
  const batches = document.getElementById("batches");
  if (!batches) return;
  const keep = [...batches.children].slice(0, 2);  // the Items count
  const pairs = data.batches.flatMap(([name, count]) => {
    const term = document.createElement("dt");
    term.textContent = name;
    const value = document.createElement("dd");
    value.textContent = count;
    return [term, value];
  });
  batches.replaceChildren(...keep, ...pairs);
}

// Scan pages: the code goes to the server without leaving the page, the answer shows at
// once, and the field is ready for the next code (a wedge scanner types code + Enter).
function setUpScanForm() {
  const form = document.querySelector("form[data-scan-form]");
  if (!form) return;
  const field = form.querySelector("input[data-scan]");
  const last = document.getElementById("last");
  const list = document.getElementById("scans");
  const counts = (summary) => {
    Object.entries(summary).forEach(([name, value]) => {
      if (Array.isArray(value)) return;
      const target = document.getElementById("count-" + name.replace("_", "-"));
      if (target) target.textContent = value;
    });
  };
  const refused = (code, why) => {
    last.replaceChildren(scanItem({number: 0, tone: "bad", name: "", code, warnings: [], who: "",
      verdicts: [form.dataset.refusedWord || "Not recorded"], what: why}));
    beep(false);
  };
  const answered = (code, data) => {
    const item = scanItem(data.scan, form.dataset.okWord);
    last.replaceChildren(item.cloneNode(true));
    if (list) list.prepend(item);
    counts(data.summary);
    if (data.rows) showCarton(data);
    const missing = document.getElementById("missing");
    if (missing && data.summary.missing) {  // what is still expected, as it shrinks
      missing.replaceChildren(...data.summary.missing.map((line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      }));
    }
    beep(data.scan.tone === "ok");
  };
  let sending = Promise.resolve();
  const send = (code) => {
    const body = new FormData(form);
    body.set("code", code);
    // One at a time, in the order scanned, so the duplicate check sees them in order.
    sending = sending.then(() => fetch(form.action, {
      method: "POST", body, credentials: "same-origin",
      headers: {"accept": "application/json", "x-csrf-token": body.get("csrf")},
    }).then((answer) => {
      if (answer.redirected && answer.url.includes("/login")) {
        refused(code, "Your sign-in has ended; reload the page and sign in again.");
        return;
      }
      return answer.json().then((data) => {
        if (!answer.ok || data.error) refused(code, data.error || "The station refused the scan.");
        else answered(code, data);
      });
    }).catch(() => refused(code, "No answer from the station; scan it again.")));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = field.value;
    field.value = "";
    field.focus();
    if (code.trim()) send(code);
  });
  // The field keeps the focus, so a scanner's keystrokes never land elsewhere.
  document.addEventListener("click", (event) => {
    if (!event.target.closest("a, button, input, select, textarea, label, video")) field.focus();
  });
  window.addEventListener("focus", () => field.focus());
  form.scanCode = send;
}

function setUpCamera() {
  const box = document.getElementById("camera");
  const form = document.querySelector("form[data-scan-form]");
  if (!box || !form) return;
  const button = document.getElementById("camera-button");
  const video = document.getElementById("camera-view");
  const note = document.getElementById("camera-note");
  button.hidden = false;
  let stop = null;
  button.addEventListener("click", () => {
    if (stop) {
      stop();
      stop = null;
      video.hidden = true;
      button.textContent = "Scan with camera";
      note.textContent = "";
      return;
    }
    if (!window.isSecureContext || !navigator.mediaDevices) {
      note.textContent = "The camera works only over https (or on this computer's own address); " +
        "use a USB scanner, or open the station over https.";
      return;
    }
    note.textContent = "Starting the camera…";
    import(box.dataset.module)
      .then((camera) => camera.startCamera(video, (code) => form.scanCode(code), box.dataset.wasm))
      .then((stopper) => {
        stop = stopper;
        video.hidden = false;
        button.textContent = "Stop the camera";
        note.textContent = "Hold a label in front of the camera.";
      })
      .catch((error) => {
        note.textContent = "The camera could not start (" + (error.name || error) + "); " +
          "allow the camera for this page, or use a USB scanner.";
      });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpPrintForm();
  setUpPrinterStates();
  setUpJob();
  setUpScanForm();
  setUpCamera();
});
