// Small progressive enhancements on top of htmx. The site works without this file.
(function () {
  "use strict";

  // After htmx swaps in a new step, move focus to its heading so keyboard and screen-reader
  // users land where the new content starts (a full page load does this by itself).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (!target || !target.querySelector) {
      return;
    }
    var heading = target.querySelector("[data-focus-on-swap]");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) {
        heading.setAttribute("tabindex", "-1");
      }
      heading.focus({ preventScroll: false });
    }
  });
})();
