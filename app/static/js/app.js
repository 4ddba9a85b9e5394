// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    const done = button.dataset.copiedLabel;
    if (done) button.textContent = done;
  });
});

// A form whose act cannot be undone (withdrawing a need, declining a bank) asks first;
// without this file it submits at once, as before.
document.addEventListener(
  "submit",
  (event) => {
    const question = event.target.dataset?.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  },
  true,
);

// After a refused form, put the cursor on the first field that needs correcting, so keyboard
// and screen-reader users land on its message instead of at the top of the page.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector("main form .is-invalid");
  if (first && typeof first.focus === "function") first.focus();
});

// Reasons behind a match are fetched when their section is opened, not rendered with the
// page; without this file the link inside opens them as a page of their own.
document.addEventListener(
  "toggle",
  (event) => {
    const section = event.target;
    if (!(section instanceof HTMLDetailsElement) || !section.open) return;
    const url = section.dataset.fragment;
    if (!url || section.dataset.loaded) return;
    section.dataset.loaded = "1";
    const body = section.querySelector("[data-fragment-body]");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        body.innerHTML = html;
      })
      .catch(() => {
        delete section.dataset.loaded;
      });
  },
  true,
);
