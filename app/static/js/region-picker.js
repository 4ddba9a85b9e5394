// Cascading region pickers load the next level on demand; without this file the
// "Show the next level" button (or the filter's own button) does the same by a reload.
(() => {
  const LEVELS = ["province", "city", "county", "town"];
  const english = document.documentElement.lang === "en";

  function nextSelect(picker, after, items) {
    const select = document.createElement("select");
    select.className = after.className.replace(" is-invalid", "");
    select.name = after.name;
    select.id = `${after.id.replace(/-\d+$/, "")}-${picker.querySelectorAll("select").length}`;
    select.setAttribute("aria-label", after.getAttribute("aria-label") || "");
    const blank = document.createElement("option");
    blank.value = "";
    blank.textContent = picker.dataset.placeholder;
    select.append(blank);
    for (const item of items) {
      const option = document.createElement("option");
      option.value = item.code;
      option.textContent = english && item.name_en ? item.name_en : item.name;
      select.append(option);
    }
    after.after(select);
  }

  async function changed(picker, select) {
    let next = select.nextElementSibling;
    while (next && next.tagName === "SELECT") {
      const gone = next;
      next = next.nextElementSibling;
      gone.remove();
    }
    if (!select.value) return;
    const url = `${picker.dataset.api}?parent=${encodeURIComponent(select.value)}&per_page=100`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const body = await response.json();
    const items = body.items || [];
    const deepest = picker.dataset.deepest;
    if (!items.length) return;
    if (deepest && LEVELS.indexOf(items[0].level) > LEVELS.indexOf(deepest)) return;
    nextSelect(picker, select, items);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const picker of document.querySelectorAll("[data-region-picker]")) {
      for (const button of picker.querySelectorAll(".region-picker-next")) button.hidden = true;
      picker.addEventListener("change", (event) => {
        if (event.target.tagName === "SELECT") changed(picker, event.target);
      });
    }
  });
})();
