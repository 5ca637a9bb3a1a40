/* pledge HTML report: filters by status and severity; every detail opens for printing. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("filters");
  var count = document.getElementById("filter-count");
  function update() {
    var on = { status: {}, severity: {} };
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      on[box.name][box.value] = box.checked;
    });
    var shown = 0, total = 0;
    document.querySelectorAll("[data-status][data-severity]").forEach(function (el) {
      var visible = on.status[el.dataset.status] !== false &&
        on.severity[el.dataset.severity] !== false;
      el.classList.toggle("filtered-out", !visible);
      if (el.classList.contains("commitment")) {
        total += 1;
        if (visible) { shown += 1; }
      }
    });
    if (count) { count.textContent = "Showing " + shown + " of " + total + " commitments."; }
  }
  if (form) {
    form.addEventListener("change", update);
    update();
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
