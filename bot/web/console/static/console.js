// The pattern editor's live dry run: re-run it (debounced) as the moderator types.
// Without JavaScript the "Dry run" button does the same with a full page load.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var target = document.getElementById("dry");
  if (!form || !target || !window.fetch) { return; }
  var hint = form.querySelector("[data-live]");
  if (hint) { hint.hidden = false; }
  var timer = null, seq = 0;
  function run() {
    var mine = ++seq;
    fetch(form.dataset.dry, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Fragment": "dry" }
    }).then(function (r) { return r.text(); }).then(function (html) {
      if (mine === seq) { target.innerHTML = html; }
    }).catch(function () { /* the button still works */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 700);
  });
})();
