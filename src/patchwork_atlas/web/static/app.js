// Optional enhancements only: every page works without this file.
(function () {
  "use strict";
  // Filters on the changes page apply as soon as a choice is made.
  document.querySelectorAll("form.filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Keyboard users landing on a profile go straight to the answer.
  var answer = document.getElementById("answer");
  if (answer && window.location.hash === "") { answer.setAttribute("tabindex", "-1"); }
})();
