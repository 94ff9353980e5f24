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
// ("status" events); the next board takes it away. Should the browser give the stream up (a 503 for a stream over
// the server's budget, or an answer that is not a stream, say from a proxy while the app restarts; htmx would then
// wait up to a minute), the page asks the stream's address later, honouring Retry-After, and reloads itself once the
// server has room for it.
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

  function blankCardFailed(detail) {
    var target = detail.target;
    if (!target || target.id !== "card" || !document.body.contains(target)) return;
    if (isKioskCard(target) && !target.hasAttribute("data-unsent") && window.wipeCard) window.wipeCard(target);
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
  // A wall whose stream was refused (503: too many streams on its link or from its address, the server's "Budgets of
  // public edges") or cut by an answer that is not a stream asks the stream's address again with HEAD, which holds
  // nothing on the server: refused, after its Retry-After (at least WALL_FIRST_DELAY_MS, doubling up to
  // WALL_MAX_DELAY_MS), plus a random share so that refused walls do not all come back at once; with no answer, every
  // few seconds. It reloads once there is room (or once the server says the link is off: the page then says so).
  // Meanwhile it shows the calm "Reconnecting…" sign.
  var WALL_FIRST_DELAY_MS = 3000;
  var WALL_MAX_DELAY_MS = 120000;

  function sign(show) {
    var element = document.getElementById("wall-status");
    if (element) element.hidden = !show;
  }

  function comeBackLater(streamUrl) {
    if (probe) return;
    var refusals = 0;
    function ask(delay) {
      probe = setTimeout(function () {
        fetch(streamUrl, { method: "HEAD", cache: "no-store", credentials: "same-origin" }).then(function (answer) {
          if (!probe) return;  // the stream came back meanwhile
          if (answer.status < 500) { location.reload(); return; }  // room again, or this display is off
          var retryAfter = parseInt(answer.headers.get("Retry-After") || "", 10);
          if (!(retryAfter > 0)) { ask(WALL_FIRST_DELAY_MS); return; }  // a proxy while the app restarts
          // Refused for its budget: at the server's word, backing off, each wall at its own moment.
          var wait = Math.min(Math.max(WALL_FIRST_DELAY_MS * Math.pow(2, refusals), retryAfter * 1000), WALL_MAX_DELAY_MS);
          refusals += 1;
          ask(wait * (1 + Math.random() / 2));
        }).catch(function () { if (probe) ask(WALL_FIRST_DELAY_MS); });  // the server is still away
      }, delay);
    }
    ask(WALL_FIRST_DELAY_MS * (1 + Math.random() / 2));
  }

  document.addEventListener("htmx:sseError", function (event) {
    sign(true);
    var source = event.detail && event.detail.source;
    if (source && source.readyState === EventSource.CLOSED) comeBackLater(source.url);
  });

  document.addEventListener("htmx:sseOpen", function () {  // (htmx's own retry got through first)
    clearTimeout(probe);
    probe = null;
  });

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var message = event.detail || {};
    if (message.type === "status") sign(message.data === "down");
    else if (message.type === "board") sign(false);
  });
})();
