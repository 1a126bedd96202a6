// The station's small helpers: a scanner's Ctrl+] as the GS byte, the label preview, printer
// states and job progress. Every page works without them.
"use strict";

document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (field instanceof HTMLInputElement && field.hasAttribute("data-scan") &&
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

document.addEventListener("DOMContentLoaded", () => {
  setUpPrintForm();
  setUpPrinterStates();
  setUpJob();
});
