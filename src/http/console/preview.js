// The live preview of the console's compose forms (a notice, a campaign): as a form marked
// `data-preview="<url>"` changes, the console works out its recipients, SMS parts and cost (the
// same check and figures as the form's Preview button) and this shows them in the form's
// `data-figure="<key>"` cells. The fixes, if any, go in `data-preview-problem`; a button marked
// `data-preview-confirm` is shown once the figures are there (the server checks again when it
// is pressed). Without this script the Preview button does the same.
"use strict";
(() => {
  if (!window.fetch) {
    return;
  }
  const live = (form) => {
    const box = form.querySelector("[data-preview-box]");
    const problem = form.querySelector("[data-preview-problem]");
    const confirm = form.querySelector("[data-preview-confirm]");
    const cells = form.querySelectorAll("[data-figure]");
    let timer = null;
    let asked = 0;

    const show = (answer) => {
      const errors = Object.values(answer.errors || {});
      for (const cell of cells) {
        cell.textContent = errors.length ? "–" : answer[cell.dataset.figure] || "";
      }
      if (problem) {
        problem.textContent = errors.join(" ");
        problem.hidden = errors.length === 0;
      }
      if (confirm) {
        confirm.hidden = errors.length > 0;
      }
      if (box) {
        box.hidden = false;
      }
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
  };
  document.querySelectorAll("form[data-preview]").forEach(live);
})();
