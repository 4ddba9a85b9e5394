// Progressive enhancement of the loan calculator: recalculate as the inputs change, by
// fetching the same GET page the form would load and swapping in its result.
(() => {
  const form = document.querySelector("form[data-calculator]");
  if (!form || !window.fetch || !window.DOMParser) return;
  let timer;
  const refresh = () => {
    const url = new URL(form.action, window.location.href);
    url.hash = "";
    url.search = new URLSearchParams(new FormData(form)).toString();
    fetch(url, { headers: { Accept: "text/html" } })
      .then((response) => response.text())
      .then((html) => {
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.getElementById("calculator");
        const here = document.getElementById("calculator");
        if (!fresh || !here) return;
        here.querySelector("[aria-live]").replaceWith(fresh.querySelector("[aria-live]"));
        for (const field of form.querySelectorAll("input, select")) {
          const twin = fresh.querySelector(`[name="${field.name}"]`);
          if (!twin) continue;
          field.className = twin.className;
          const box = field.closest(".mb-3");
          const freshBox = twin.closest(".mb-3");
          if (!box || !freshBox) continue;
          for (const old of box.querySelectorAll(".invalid-feedback")) old.remove();
          for (const message of freshBox.querySelectorAll(".invalid-feedback")) {
            box.append(message.cloneNode(true));
          }
        }
        window.history.replaceState(null, "", url);
      })
      .catch(() => {});
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
