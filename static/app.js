// RC Bingo: the little the pages need beyond htmx. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  // People involved: rows are added by htmx; removing one needs no server.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-person]");
    if (!button) return;
    var rows = document.querySelectorAll("#people .person");
    var row = button.closest(".person");
    if (rows.length > 1) {
      row.remove();
    } else {
      row.querySelectorAll("input, select").forEach(function (field) {
        field.value = field.tagName === "SELECT" && field.name.endsWith("-unit") ? field.value : "";
      });
    }
    var add = document.getElementById("add-person");
    if (add) add.focus();
  });

  // Close a row's suggestions when focus leaves the row.
  document.addEventListener("focusout", function (event) {
    var row = event.target.closest && event.target.closest(".person");
    if (!row) return;
    setTimeout(function () {
      if (!row.contains(document.activeElement)) {
        var list = row.querySelector(".suggestions");
        if (list) list.innerHTML = "";
      }
    }, 150);
  });

  // Characters used in the practice line and the story, out of the limit.
  function updateCounter(field) {
    var counter = document.getElementById(field.id + "-count");
    var limit = parseInt(field.dataset.limit, 10);
    if (!counter || !limit) return;
    var used = field.value.trim().length;
    counter.textContent = used + " / " + limit;
    counter.classList.toggle("over", used > limit);
  }
  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.limit) updateCounter(event.target);
  });

  // After htmx swaps: bring the person to what needs them.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.querySelector) return;
    var summary = document.querySelector("#card .problem-summary");
    if (target.id === "card" && summary) {
      var first = target.querySelector("[aria-invalid='true']");
      (first || summary).focus();
      summary.scrollIntoView({ block: "start" });
    } else if (target.id === "card" && target.classList.contains("thanks")) {
      target.querySelector("h1").focus();
    } else if (target.classList && target.classList.contains("person")) {
      var next = target.querySelector(".field-workgroup select");
      if (next && !next.value) next.focus(); else target.querySelector("input").focus();
    }
    document.querySelectorAll("[data-limit]").forEach(updateCounter);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-limit]").forEach(updateCounter);
  });

  // A new win makes the banner celebrate once, not at every redraw of the board.
  function celebrateNewWins() {
    var banner = document.querySelector(".winner-banner[data-win]");
    if (!banner) return;
    var seen = sessionStorage.getItem("rcbingo-celebrated");
    if (seen === banner.dataset.win) return;
    sessionStorage.setItem("rcbingo-celebrated", banner.dataset.win);
    banner.classList.add("celebrate");
  }
  document.addEventListener("htmx:afterSettle", celebrateNewWins);
  document.addEventListener("htmx:sseMessage", function () { setTimeout(celebrateNewWins, 50); });
  document.addEventListener("DOMContentLoaded", celebrateNewWins);

  // A shared tablet: a card left untouched clears itself for the next person.
  var idleTimer = null;
  function armIdle() {
    var card = document.querySelector("form#card[data-idle-seconds]");
    clearTimeout(idleTimer);
    if (!card) return;
    idleTimer = setTimeout(function () {
      var current = document.querySelector("form#card[data-idle-seconds]");
      if (current && window.htmx) {
        htmx.ajax("GET", current.dataset.blankUrl, { target: "#card", swap: "outerHTML" });
      }
    }, parseInt(card.dataset.idleSeconds, 10) * 1000);
  }
  ["pointerdown", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, armIdle, { passive: true });
  });
  document.addEventListener("htmx:afterSettle", armIdle);
  document.addEventListener("DOMContentLoaded", armIdle);
})();
