// Run inside the HTML report by tests/test_real_apps.py (headless Chromium): uses the page, writes JSON.
(function () {
  const out = {};
  function count() { return document.getElementById("count").textContent; }
  const q = document.getElementById("q");
  q.value = "cycle"; q.dispatchEvent(new Event("input"));
  out.cycle = count();
  q.value = "not found"; q.dispatchEvent(new Event("input"));
  out.notfound = count();
  q.value = ""; q.dispatchEvent(new Event("input"));
  const std = document.getElementById("stdlib");
  std.checked = false; std.dispatchEvent(new Event("change"));
  out.nostdlib = count();
  std.checked = true; std.dispatchEvent(new Event("change"));
  const probs = document.getElementById("problems");
  probs.checked = true; probs.dispatchEvent(new Event("change"));
  out.problems = count();
  probs.checked = false; probs.dispatchEvent(new Event("change"));
  const view = document.getElementById("view");
  view.focus();
  out.focused = document.activeElement === view;
  for (const key of ["ArrowDown", "ArrowDown", "ArrowDown"]) {
    view.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true }));
  }
  out.details = document.getElementById("details").textContent.split("\n")[0];
  out.active = view.getAttribute("aria-activedescendant");
  view.dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true }));
  out.end = document.getElementById("details").textContent.split("\n")[0];
  // the narrowest room a name gets, among the rows around the most deeply nested event
  let deepest = 0;
  shown.forEach(function (e, i) { if (e[5] > shown[deepest][5]) deepest = i; });
  out.depth = shown[deepest][5];
  view.scrollTop = deepest * ROW;
  draw();
  const widths = [];
  for (const row of document.querySelectorAll(".row")) {
    const text = row.querySelector(".text");
    const name = text.children[2 + (text.children[2].className === "lvl" ? 1 : 0)];
    const visible = Math.min(name.getBoundingClientRect().right, text.getBoundingClientRect().right) - name.getBoundingClientRect().left;
    widths.push(Math.floor(visible / (name.getBoundingClientRect().width / Math.max(name.textContent.length, 1))));
  }
  out.minchars = Math.min.apply(null, widths);
  const pre = document.createElement("pre"); pre.id = "result"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
