// Small behaviours shared by every page. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("autosubmit") && el.form) {
      el.form.submit();
    }
  });
  // On a phone, tables with the "stack" class show each row as a small card; each cell
  // then carries its column's name (data-label, shown by the stylesheet), so "84" reads
  // as "户数 84". The first cell is the row's title and needs no label.
  function labelStackedCells(root) {
    var tables = (root.querySelectorAll ? root : document).querySelectorAll("table.list.stack");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length) { return; }
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          var head = heads[i];
          var text = head ? head.textContent.trim() : "";
          if (i > 0 && text && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", text);
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelStackedCells(document); });
  document.addEventListener("htmx:load", function (event) { labelStackedCells(event.target); });

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) {
      event.preventDefault();
      window.print();
    }
    var confirmEl = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
