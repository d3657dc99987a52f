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

  // The what-if socket is closed by the server after a while without typing (code 4408). The
  // extension only reconnects by itself after a dropped connection, so reopen it here when the
  // person types again; the message waits in the extension's queue until the socket is open.
  var IDLE_CLOSE = 4408;
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event && event.detail.event.code;
    event.target.setAttribute("data-ws-closed", String(code));
  });
  document.addEventListener("htmx:wsOpen", function (event) {
    event.target.removeAttribute("data-ws-closed");
  });
  document.addEventListener("htmx:wsConfigSend", function (event) {
    var socket = event.target.closest && event.target.closest("[ws-connect]");
    if (socket && socket.getAttribute("data-ws-closed") === String(IDLE_CLOSE)) {
      socket.removeAttribute("data-ws-closed");
      event.detail.socketWrapper.reconnect();
    }
  });
})();
