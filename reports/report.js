(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.dataset.sev; });
  var fCheck = document.getElementById("f-check");
  var fSev = document.getElementById("f-sev");
  var fText = document.getElementById("f-text");
  var shown = document.getElementById("shown");
  var cards = Array.prototype.slice.call(document.querySelectorAll("[data-filter-sev]"));
  function apply() {
    var c = fCheck.value, s = fSev.value, q = fText.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var ok = (!c || r.dataset.check === c) && (!s || r.dataset.sev === s) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) { n++; }
    });
    shown.textContent = String(n);
    cards.forEach(function (el) { el.classList.toggle("active", el.dataset.filterSev === s); });
  }
  [fCheck, fSev].forEach(function (el) { el.addEventListener("change", apply); });
  fText.addEventListener("input", apply);
  var dir = {};
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.addEventListener("click", function () {
      dir[i] = !dir[i];
      rows.sort(function (a, b) {
        var x = a.cells[i].dataset.key || a.cells[i].textContent;
        var y = b.cells[i].dataset.key || b.cells[i].textContent;
        var r = x.localeCompare(y, "zh-CN", { numeric: true });
        return dir[i] ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  // A severity card filters the table to its severity (a second click
  // shows all again) and scrolls to it.
  cards.forEach(function (el) {
    el.addEventListener("click", function (ev) {
      ev.preventDefault();
      fSev.value = fSev.value === el.dataset.filterSev ? "" : el.dataset.filterSev;
      apply();
      document.getElementById("findings").scrollIntoView({ block: "start" });
    });
  });
  apply();
})();
