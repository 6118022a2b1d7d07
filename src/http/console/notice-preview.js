// The notice form's live preview: as the form changes, the console works out the recipients,
// SMS parts and cost (POST /console/notices/preview, the same check and figures as the form's
// Preview button) and this shows them. Without this script the Preview button does the same.
"use strict";
(() => {
  const form = document.getElementById("compose-form");
  if (!form || !window.fetch) {
    return;
  }
  const box = document.getElementById("preview");
  const problem = document.getElementById("preview-problem");
  const ids = {
    recipients: "preview-recipients",
    scripts: "preview-scripts",
    each: "preview-each",
    parts: "preview-parts",
    cost: "preview-cost",
  };
  let timer = null;
  let asked = 0;

  const show = (answer) => {
    const errors = Object.values(answer.errors || {});
    for (const [key, id] of Object.entries(ids)) {
      const cell = document.getElementById(id);
      if (cell) {
        cell.textContent = errors.length ? "–" : answer[key] || "";
      }
    }
    problem.textContent = errors.join(" ");
    problem.hidden = errors.length === 0;
    box.hidden = false;
  };

  const update = async () => {
    const mine = ++asked;
    const body = new URLSearchParams(new FormData(form));
    body.delete("action");
    let res;
    try {
      res = await fetch(form.dataset.preview, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
    } catch (_) {
      return;
    }
    const json = (res.headers.get("content-type") || "").includes("application/json");
    if (!json || mine !== asked) {
      return;
    }
    const answer = await res.json();
    if (mine === asked && (res.ok || answer.errors)) {
      show(answer);
    }
  };

  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  };
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
