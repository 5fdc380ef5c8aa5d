// The target-table editor: add, delete and move rows; live subtotals; rows renumbered
// before submit so the server reads them in the order shown. Without this script the
// form still saves (spare rows at the end, a 删除 checkbox per row).
(function () {
  "use strict";

  function cents(text) {
    var t = String(text || "").trim();
    if (!/^-?\d+(\.\d+)?$/.test(t)) return NaN;
    return Math.round(parseFloat(t) * 100);
  }

  function show(value) {
    if (isNaN(value)) return "—";
    var s = (value / 100).toFixed(2);
    return s.replace(/\.?0+$/, "");
  }

  function field(row, suffix) {
    return row.querySelector('[name$="-' + suffix + '"]');
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("table-form");
    var body = document.getElementById("rows");
    var template = document.getElementById("row-template");
    if (!form || !body || !template) return;
    var table = body.closest("table");
    var expected = cents(table.getAttribute("data-total"));
    var totalOut = document.getElementById("editor-total");
    var datalist = document.getElementById("codes");

    function rows() {
      return Array.prototype.slice.call(body.querySelectorAll("tr.ed-row"));
    }

    function recalc() {
      var list = rows();
      var info = list.map(function (row) {
        return {
          row: row,
          code: (field(row, "code").value || "").trim(),
          parent: (field(row, "parent").value || "").trim(),
          weight: cents(field(row, "weight").value)
        };
      });
      var byCode = {};
      info.forEach(function (r) { if (r.code) byCode[r.code] = r; });
      var sums = {};
      var total = 0;
      info.forEach(function (r) {
        if (!r.code && !r.parent && isNaN(r.weight)) return; // a blank spare row
        if (r.parent) {
          sums[r.parent] = (sums[r.parent] === undefined ? 0 : sums[r.parent]) + r.weight;
        } else {
          total += r.weight;
        }
      });
      info.forEach(function (r) {
        var depth = 1;
        var seen = {};
        var p = r.parent;
        while (p && byCode[p] && !seen[p] && depth < 10) {
          seen[p] = true;
          depth += 1;
          p = byCode[p].parent;
        }
        r.row.setAttribute("data-depth", String(depth));
        var out = r.row.querySelector(".sum");
        var has = r.code && sums[r.code] !== undefined;
        r.row.classList.toggle("is-parent", !!has);
        out.textContent = has ? "下级合计 " + show(sums[r.code]) : "";
        out.classList.toggle("mismatch", !!has && sums[r.code] !== r.weight);
      });
      totalOut.textContent = show(total);
      totalOut.classList.toggle("mismatch", total !== expected);
      datalist.innerHTML = "";
      info.forEach(function (r) {
        if (!r.code) return;
        var option = document.createElement("option");
        option.value = r.code;
        datalist.appendChild(option);
      });
    }

    // A row with something typed in it goes only after a yes; a blank spare row at once.
    function confirmRemove(row) {
      var code = (field(row, "code").value || "").trim();
      var typed = Array.prototype.some.call(row.querySelectorAll("input[type=text], textarea"),
        function (el) { return el.value.trim() !== ""; });
      if (!typed) return true;
      return window.confirm("确定删除" + (code ? "序号 " + code + " 这一行" : "这一行") +
        "？保存后才会生效，未保存前可刷新页面恢复。");
    }

    // Content boxes grow with their text, so nothing is hidden behind a scroll bar.
    function fit(area) {
      area.style.height = "auto";
      area.style.height = area.scrollHeight + 2 + "px";
    }

    function renumber() {
      rows().forEach(function (row, i) {
        row.querySelectorAll("[name]").forEach(function (el) {
          el.name = el.name.replace(/^rows-[^-]+-/, "rows-" + i + "-");
        });
      });
    }

    function addRow(after) {
      var fresh = template.content.firstElementChild.cloneNode(true);
      var index = "n" + Date.now();
      fresh.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace("__i__", index);
      });
      if (after && after.nextSibling) body.insertBefore(fresh, after.nextSibling);
      else body.appendChild(fresh);
      field(fresh, "code").focus();
      recalc();
      return fresh;
    }

    body.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var row = button.closest("tr.ed-row");
      if (button.hasAttribute("data-remove")) {
        if (!confirmRemove(row)) return;
        row.parentNode.removeChild(row);
      } else if (button.getAttribute("data-move") === "up" && row.previousElementSibling) {
        body.insertBefore(row, row.previousElementSibling);
      } else if (button.getAttribute("data-move") === "down" && row.nextElementSibling) {
        body.insertBefore(row.nextElementSibling, row);
      }
      recalc();
    });
    body.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") fit(event.target);
      recalc();
    });
    body.querySelectorAll("textarea").forEach(fit);
    document.getElementById("add-row").addEventListener("click", function () { addRow(null); });
    form.addEventListener("submit", renumber);
    recalc();
  });
})();
