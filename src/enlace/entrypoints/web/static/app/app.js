/* Enlace patient app: forms marked data-queue are kept on the phone (localStorage, each item
   with a client id made when it was captured) and sent to /app/api/sync when there is signal:
   at once, on reconnecting, on opening the app and every 30 s while items wait. The server
   answers each item once whatever the retries (docs/patient-app.md). No framework, no CDN. */
"use strict";
(function () {
  const QUEUE = "enlace.app.queue";
  const body = document.body;
  const statusBar = document.getElementById("app-status");
  let sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function localTime(d) {  /* 2026-03-01T09:30:00.123-06:00: the phone's time with its offset */
    const pad = (n) => String(Math.abs(n)).padStart(2, "0");
    const off = -d.getTimezoneOffset();
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:` +
      `${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}${off >= 0 ? "+" : "-"}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
  }

  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }

  function show(text) {
    if (!statusBar) return;
    statusBar.textContent = text;
    statusBar.hidden = !text;
  }

  function showState() {
    const waiting = queue().length;
    const parts = [];
    if (!navigator.onLine) parts.push(body.dataset.offline);
    if (waiting) parts.push(`${body.dataset.pending} ${waiting}`);
    show(parts.join(" "));
  }

  function doseRow(item) { return document.getElementById(`dose-${item.request}-${item.slot.replace(":", "")}`); }

  function markDose(item, pending, text) {
    const row = doseRow(item);
    if (!row) return;
    row.classList.remove("pending", "taken", "skipped");
    row.classList.add(item.status);
    row.classList.toggle("queued", pending);
    const button = row.querySelector(`button[value="${item.status}"]`);
    row.querySelector("[data-state]").textContent = text || (button ? button.dataset.labelDone : item.status);
    const seen = row.querySelector("input[name=seen]");
    if (seen) seen.value = item.status;
  }

  function capture(form, submitter) {
    const data = new FormData(form);
    const item = {clientId: uuid(), kind: form.dataset.queue, patient: data.get("patient"),
      capturedAt: localTime(new Date())};
    if (item.kind === "dose") {
      Object.assign(item, {request: data.get("request"), day: data.get("day"), slot: data.get("slot"),
        status: submitter ? submitter.value : "taken", seen: data.get("seen") || null});
      markDose(item, true);
    } else {
      Object.assign(item, {measure: data.get("measure"), unit: data.get("unit"), value: data.get("value")});
      if (data.get("value2")) item.value2 = data.get("value2");
      readingSaved(form, item);
    }
    save(queue().concat([item]));
    showState();
    send();
  }

  function readingSaved(form, item) {
    const box = document.getElementById("local-feedback");
    const v = parseFloat(String(item.value).replace(",", ".")), v2 = parseFloat(String(item.value2 || "").replace(",", "."));
    const d = form.dataset;
    const danger = (item.measure === "glucose" && item.unit === "mg/dL" && (v < +d.glucoseLow || v >= +d.glucoseHigh)) ||
      (item.measure === "bp" && (v >= +d.systolicHigh || v2 >= +d.diastolicHigh));
    if (box) {
      box.textContent = `${body.dataset.saved} ${danger ? d.danger : ""}`;
      box.className = danger ? "feedback danger-high" : "feedback";
      box.hidden = false;
    }
    form.querySelector("[name=value]").value = "";
    form.querySelector("[name=value2]").value = "";
  }

  function answered(item, answer) {
    if (item.kind === "dose") {
      const text = answer.status === "refused" ? answer.text : null;
      if (answer.dose && answer.dose.status) {
        markDose(Object.assign({}, item, {status: answer.dose.status}), false,
          ["conflict", "merged"].includes(answer.status) || answer.prescription !== "active" ? answer.text : null);
      } else if (text) {
        const row = doseRow(item);
        if (row) row.querySelector("[data-state]").textContent = text;
      }
      return;
    }
    const box = document.getElementById("local-feedback");
    if (box) {
      box.textContent = answer.text;
      box.className = `feedback ${answer.status === "refused" ? "alert" : (answer.verdict || {}).level || ""}`;
      box.hidden = false;
    }
  }

  async function send() {
    const items = queue();
    if (sending || !items.length || !navigator.onLine) { showState(); return; }
    sending = true;
    try {
      const token = await fetch("/app/api/token", {credentials: "same-origin"});
      if (token.status === 401) { show(body.dataset.signin); return; }
      if (!token.ok) return;
      const csrf = (await token.json()).csrf;
      const batch = items.slice(0, 100);
      const response = await fetch("/app/api/sync", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify({items: batch})});
      if (response.status === 401) { show(body.dataset.signin); return; }
      if (!response.ok) return;  /* kept: sent again later, answered once */
      const result = await response.json();
      const done = new Set();
      result.items.forEach((answer) => { done.add(answer.clientId); answered(batch[answer.index], answer); });
      save(queue().filter((item) => !done.has(item.clientId)));
    } catch (offline) {
      /* no signal after all: kept for the next try */
    } finally {
      sending = false;
      showState();
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-queue]")) {
      event.preventDefault();
      capture(form, event.submitter);
    } else if (form.matches("form[action='/logout']") && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({forget: true});  /* no personal pages kept */
    }
  });

  function replay() {  /* a kept page shows what the phone still has to send */
    queue().filter((item) => item.kind === "dose").forEach((item) => markDose(item, true));
  }

  function measureUnits() {
    const measure = document.getElementById("measure");
    if (!measure) return;
    const units = {glucose: "mg/dL", bp: "mmHg", weight: "kg"};
    const second = document.getElementById("value2");
    const sync = () => {
      document.getElementById("unit").value = units[measure.value];
      second.parentElement.querySelector("label[for=value2]").hidden = second.hidden = measure.value !== "bp";
    };
    measure.addEventListener("change", sync);
    sync();
  }

  function scanner() {
    const camera = document.getElementById("camera");
    if (!camera || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    camera.hidden = false;
    document.getElementById("scan-start").addEventListener("click", async () => {
      const video = document.getElementById("scan-video");
      const detector = new window.BarcodeDetector({formats: ["qr_code", "data_matrix"]});
      video.srcObject = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
      video.hidden = false;
      await video.play();
      const look = async () => {
        const found = await detector.detect(video).catch(() => []);
        if (found.length) {
          video.srcObject.getTracks().forEach((track) => track.stop());
          location.href = `/app/scan?patient=${encodeURIComponent(body.dataset.patient)}&code=${encodeURIComponent(found[0].rawValue)}`;
        } else {
          setTimeout(look, 300);
        }
      };
      look();
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", {scope: "/app/"}).then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        const patient = body.dataset.patient;
        if (patient && registration.active) {
          const q = `?patient=${encodeURIComponent(patient)}`;
          registration.active.postMessage({warm: [`/app/${q}`, `/app/readings${q}`]});
        }
      }).catch(() => {});
  }
  window.addEventListener("online", send);
  window.addEventListener("offline", showState);
  setInterval(() => { if (queue().length) send(); }, 30000);
  replay();
  measureUnits();
  scanner();
  send();
})();
