(function () {
  "use strict";
  var tip = document.getElementById("tip");
  function place(e) {
    var x = e.clientX + 14, y = e.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = e.clientX - w - 14;
    if (y + h > window.innerHeight - 8) y = e.clientY - h - 14;
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
  document.addEventListener("mouseover", function (e) {
    var el = e.target.closest ? e.target.closest("[data-tip]") : null;
    if (!el) { tip.hidden = true; return; }
    tip.textContent = el.getAttribute("data-tip");
    tip.hidden = false; place(e);
  });
  document.addEventListener("mousemove", function (e) { if (!tip.hidden) place(e); });

  function cellValue(row, i, type) {
    var cell = row.cells[i];
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (type === "num") { var v = parseFloat(raw); return isNaN(v) ? Infinity : v; }
    return raw.toLowerCase();
  }
  document.querySelectorAll("table.sortable th[data-type] button").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var th = btn.parentNode, table = th.closest("table"), body = table.tBodies[0];
      var i = Array.prototype.indexOf.call(th.parentNode.children, th);
      var type = th.getAttribute("data-type");
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = cellValue(a, i, type), y = cellValue(b, i, type);
        return x < y ? -dir : x > y ? dir : 0;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });

  var boxes = Array.prototype.slice.call(document.querySelectorAll(".filter input[type=checkbox]"));
  function applyFilter() {
    var on = {};
    boxes.forEach(function (b) { if (b.checked) on[b.value] = true; });
    document.querySelectorAll("[data-task]").forEach(function (el) {
      if (el.closest && el.closest(".filter")) return;
      el.classList.toggle("hidden", !Object.prototype.hasOwnProperty.call(on, el.getAttribute("data-task")));
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", applyFilter); });
  document.querySelectorAll(".filter button[data-all]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var state = btn.getAttribute("data-all") === "1";
      boxes.forEach(function (b) { b.checked = state; });
      applyFilter();
    });
  });
})();
