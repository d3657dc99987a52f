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

  // The what-if socket opens when the person opens "Try other amounts" (at once when the panel
  // is open on arrival), not with every results page: a closed panel costs the server no socket
  // and the page no work while it loads. The extension connects when it processes ws-connect,
  // and a ws-send form needs its socket to exist when it is processed: both are set together.
  // The form's hx-trigger comes with them: htmx handles an event once per element, so a trigger
  // htmx had already bound (with nothing to do) would swallow every input before the extension.
  function openSocket(section) {
    if (!window.htmx || section.hasAttribute("ws-connect")) {
      return;
    }
    section.setAttribute("ws-connect", section.getAttribute("data-socket"));
    section.querySelectorAll("[data-socket-send]").forEach(function (form) {
      form.setAttribute("ws-send", "");
      form.setAttribute("hx-trigger", form.getAttribute("data-socket-send"));
    });
    window.htmx.process(section);
  }
  function openSocketsOfOpenPanels() {
    document.querySelectorAll("[data-socket]").forEach(function (section) {
      var details = section.querySelector(":scope > details");
      if (!details || details.open) {
        openSocket(section);
      }
    });
  }
  // "toggle" does not bubble: listen in the capture phase. Only the panel's own disclosure
  // counts (the spending groups inside it open by themselves as the page loads).
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    var section = details.parentElement;
    if (details.open && section && section.hasAttribute("data-socket")) {
      openSocket(section);
    }
  }, true);
  if (document.readyState === "complete") {
    openSocketsOfOpenPanels();
  } else {
    // This file is deferred: DOMContentLoaded comes after every deferred script (the WebSocket
    // extension, loaded with the panel, is one) and after htmx has processed the page.
    document.addEventListener("DOMContentLoaded", openSocketsOfOpenPanels);
  }

  // "Find a card" redraws the held-cards checklist with the boxes ticked when its request left.
  // A box ticked or cleared while that request was on its way would be undone by the swap (and
  // the step then saved without it), so a reply that no longer matches the ticks on the page is
  // dropped and the search asked again with the ticks as they are now.
  function tickedCards(list) {
    return Array.prototype.map.call(
      list.querySelectorAll("input[name=held_cards]:checked"),
      function (box) { return box.value; }
    ).sort().join(" ");
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var xhr = event.detail.xhr;
    if (!target || target.id !== "held-cards" || !xhr || !xhr.responseURL) {
      return;
    }
    // Only a reply from the search itself says what was sent (a redirect's URL would not, and
    // comparing it would ask again and again).
    var url = new URL(xhr.responseURL);
    if (!/\/held-cards\/$/.test(url.pathname)) {
      return;
    }
    var sent = url.searchParams.getAll("held_cards").sort().join(" ");
    var form = document.getElementById("held-search-form");
    if (sent !== tickedCards(target) && form) {
      event.detail.shouldSwap = false;
      window.htmx.trigger(form, "submit");
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
