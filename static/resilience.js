// RC Bingo: staying useful while the network, the server or its database is away. No inline scripts (the CSP).
//
// The tablet: a card whose send fails (no network, a 5xx such as the server's 503 while its database is away, or no
// answer within SEND_TIMEOUT_MS) stays on screen with everything typed, says "Not sent yet: we will try again", and
// is sent again with the same submission id (the server stores it once) until it goes through, 1, 2, 4… seconds
// apart and at most a minute; then the thank-you shows. app.js's idle reset leaves a card marked data-unsent alone.
// A blank card that cannot be fetched (after the thank-you, or by the idle reset) is asked for again; meanwhile
// what the last person typed is wiped from the screen, as the blank card would have.
//
// The wall: a "reconnecting…" sign while its stream is down, or while the stream says the database is away
// ("status" events); the next board takes it away. Should the browser give the stream up (an answer that is not a
// stream, say from a proxy while the app restarts; htmx would then wait up to a minute), the page reloads itself
// as soon as the server answers.
(function () {
  "use strict";

  var SEND_TIMEOUT_MS = 20000;
  var FIRST_DELAY_MS = 1000;
  // A waiting card is someone's words left on a shared screen: try often enough that it leaves within
  // seconds of the server's return (at worst 15 s), without flooding a server that is starting up.
  var MAX_DELAY_MS = 15000;

  function backoff(element, key) {
    var attempt = parseInt(element.dataset[key] || "0", 10);
    element.dataset[key] = String(attempt + 1);
    return Math.min(FIRST_DELAY_MS * Math.pow(2, attempt), MAX_DELAY_MS);
  }

  function isKioskCard(element) {
    return element && element.id === "card" && element.tagName === "FORM" && element.hasAttribute("hx-post");
  }

  // --- The tablet ---------------------------------------------------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    if (isKioskCard(event.target) && event.detail.verb === "post") event.detail.timeout = SEND_TIMEOUT_MS;
  });

  var retryTimer = null;

  function keepForLater(form) {
    form.setAttribute("data-unsent", "");
    if (!form.querySelector(".card-unsent")) {
      var template = document.getElementById("card-unsent");
      var actions = form.querySelector(".card-actions") || form;
      if (template) actions.insertBefore(template.content.firstElementChild.cloneNode(true), actions.firstChild);
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      if (!document.body.contains(form) || !form.hasAttribute("data-unsent")) return;
      if (form.requestSubmit) form.requestSubmit(); else htmx.trigger(form, "submit");
    }, backoff(form, "attempt"));
  }

  function wipeTyped(form) {
    form.querySelectorAll("input[type=text], input[type=search], input:not([type]), textarea").forEach(function (field) {
      field.value = "";
    });
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
  }

  function blankCardFailed(detail) {
    var target = detail.target;
    if (!target || target.id !== "card" || !document.body.contains(target)) return;
    if (isKioskCard(target) && !target.hasAttribute("data-unsent")) wipeTyped(target);
    var lede = target.querySelector(".lede");  // the thank-you names the last person's colleagues
    if (lede) lede.remove();
    var path = detail.requestConfig.path;
    setTimeout(function () {
      if (document.body.contains(target)) htmx.ajax("GET", path, { target: "#card", swap: "outerHTML" });
    }, backoff(target, "blankAttempt"));
  }

  function failed(event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    var status = detail.xhr ? detail.xhr.status : 0;
    // A refusal (4xx) is an answer, not a failure to get one: nothing to try again.
    if (event.type === "htmx:responseError" && status > 0 && status < 500) return;
    if (config.verb === "post" && isKioskCard(event.target)) {
      keepForLater(event.target);
    } else if (config.verb === "get") {
      blankCardFailed(detail);
    }
  }
  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (type) {
    document.addEventListener(type, failed);
  });

  // --- The wall -----------------------------------------------------------------------------------------------

  var probe = null;

  function sign(show) {
    var element = document.getElementById("wall-status");
    if (element) element.hidden = !show;
  }

  function reloadWhenTheServerAnswers() {
    if (probe) return;
    probe = setInterval(function () {
      fetch(location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" }).then(function (answer) {
        if (answer.status < 500) location.reload();  // the board, or the page saying this display is off
      }).catch(function () { /* still away */ });
    }, 3000);
  }

  document.addEventListener("htmx:sseError", function (event) {
    sign(true);
    var source = event.detail && event.detail.source;
    if (source && source.readyState === EventSource.CLOSED) reloadWhenTheServerAnswers();
  });

  document.addEventListener("htmx:sseOpen", function () {
    clearInterval(probe);
    probe = null;
  });

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var message = event.detail || {};
    if (message.type === "status") sign(message.data === "down");
    else if (message.type === "board") sign(false);
  });
})();
