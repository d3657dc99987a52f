// Results page extras. Without this file "Share these results" is a plain link to the page.
(function () {
  "use strict";

  function say(text) {
    var status = document.getElementById("share-status");
    if (status) {
      status.textContent = text;
    }
  }

  // Share: the phone's share sheet where there is one, else copy the address.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-share]");
    if (!link) {
      return;
    }
    var url = link.href;
    if (navigator.share) {
      event.preventDefault();
      navigator.share({ title: link.getAttribute("data-share-title") || document.title, url: url })
        .catch(function () {});  // closing the share sheet is not an error
    } else if (navigator.clipboard && window.isSecureContext) {
      event.preventDefault();
      navigator.clipboard.writeText(url).then(
        function () { say("Link copied: " + url); },
        function () { say("Copy this link: " + url); }
      );
    } else {
      event.preventDefault();
      say("Copy this link: " + url);
    }
  });

  // On paper every disclosure is open: the alternatives and their math print too.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("main details:not([open])"),
      function (details) { details.open = true; return true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
})();
