// The intake console's keyboard: no inline scripts (strict CSP), htmx does the requests.
//   F2 (or Alt+S)  focus the resident search
//   F3 (or Alt+N)  focus the order form's current step
//   Enter in "what happened" goes on to the next step; Shift+Enter starts a new line.
(function () {
  "use strict";

  // The console's fragments answer a refused step with 422 and the form again, its
  // errors on it: swap that in like a success instead of dropping it.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true }
    ];
    // Inline styles are forbidden by the CSP: htmx must not carry a style attribute
    // (even an empty one the browser left on an input) over to a swapped element.
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function focusFirst(selector) {
    var el = document.querySelector(selector);
    if (el) {
      el.focus();
      if (el.select && el.type !== "textarea") { el.select(); }
    }
    return el;
  }

  function focusStep() {
    return focusFirst("#intake [autofocus]") || focusFirst("#id_category");
  }

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if (key === "F2" || (event.altKey && (key === "s" || key === "S"))) {
      event.preventDefault();
      focusFirst("#q");
      return;
    }
    if (key === "F3" || (event.altKey && (key === "n" || key === "N"))) {
      event.preventDefault();
      focusStep();
      return;
    }
    var target = event.target;
    // Enter confirms an IME candidate while composing Chinese: never submit then.
    if (key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229 &&
        target.matches && target.matches("textarea[data-enter-submits]")) {
      event.preventDefault();
      if (target.form && target.form.requestSubmit) { target.form.requestSubmit(); }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-category]") : null;
    if (button) {
      event.preventDefault();
      var input = document.getElementById("id_category");
      if (input) {
        input.value = button.getAttribute("data-category");
        var form = input.form;
        var step = form && form.querySelector("input[name=step]");
        if (step && step.value === "1" && form.requestSubmit) { form.requestSubmit(); }
        else { input.focus(); }
      }
      return;
    }
    var place = event.target.closest ? event.target.closest("[data-place-key]") : null;
    if (place) {
      event.preventDefault();
      var scope = place.closest("[data-place-scope]") || document;
      var key = scope.querySelector("input[name=place]");
      var text = scope.querySelector("input[name=place_text]");
      if (key) { key.value = place.getAttribute("data-place-key"); }
      if (text) { text.value = place.getAttribute("data-place-label"); text.focus(); }
      var list = place.closest(".options");
      if (list) { list.innerHTML = ""; }
    }
  });

  // Typing a new place forgets the place picked from the list before.
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.name === "place_text") {
      var scope = target.closest("[data-place-scope]") || document;
      var key = scope.querySelector("input[name=place]");
      if (key) { key.value = ""; }
    }
  });

  // The call's clock on the caller's card ("on the line (02:15)"): the server says how
  // long the call had lasted when it rendered the line; the page counts on from there.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tickCallClock() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll("[data-call-elapsed]"), function (el) {
      if (!el.hasAttribute("data-call-since")) {
        var elapsed = parseInt(el.getAttribute("data-call-elapsed"), 10) || 0;
        el.setAttribute("data-call-since", String(now - elapsed * 1000));
      }
      var seconds = Math.max(0, Math.floor((now - parseInt(el.getAttribute("data-call-since"), 10)) / 1000));
      el.textContent = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
    });
  }
  window.setInterval(tickCallClock, 1000);

  // A poll answered by a redirect means the session ended (the idle timeout) or needs
  // the second factor: load the page again, whole, so the log-in page shows instead
  // of being swapped into a corner of the console.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var asked = event.detail && event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (!xhr || !xhr.responseURL || !asked) { return; }
    if (new URL(xhr.responseURL).pathname !== new URL(asked, window.location.href).pathname) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  // After htmx swaps a step in, put the cursor where the next answer goes.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "intake") {
      focusStep();
    }
  });
})();
