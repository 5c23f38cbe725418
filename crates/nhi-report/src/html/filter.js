(function () {
  var text = document.getElementById("finding-filter");
  var severity = document.getElementById("severity-filter");
  var owasp = document.getElementById("owasp-filter");
  var shown = document.getElementById("findings-shown");
  var rows = document.querySelectorAll("#findings-table tbody tr");
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var visible = (!severity.value || row.dataset.severity === severity.value) &&
        (!owasp.value || row.dataset.owasp.split(" ").indexOf(owasp.value) >= 0) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = String(count);
  }
  [text, severity, owasp].forEach(function (input) { input.addEventListener("input", apply); });
  apply();
})();
