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

  // The name boxes are comboboxes (role=combobox on the input, role=listbox beside it). htmx fills the
  // list at a person's pace (input changed delay:250ms, hx-sync replace); this part opens and closes it,
  // drops late replies, and lets a finger or the keyboard pick a person.
  var pendingPick = null;  // the row whose roster person is on its way, to move focus on once it lands

  function listOf(input) { return document.getElementById(input.getAttribute("aria-controls")); }
  function comboOf(list) { return document.querySelector("[role=combobox][aria-controls='" + list.id + "']"); }
  function optionsOf(list) { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }
  function isCombo(el) { return el && el.getAttribute && el.getAttribute("role") === "combobox"; }
  function isOpen(input) { return input.getAttribute("aria-expanded") === "true"; }
  function tooShort(input) { return input.value.trim().length < 2; }

  function setActive(input, option) {
    optionsOf(listOf(input)).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function showList(input) {
    var list = listOf(input);
    var any = optionsOf(list).length > 0;
    list.hidden = !any;
    input.setAttribute("aria-expanded", any ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
  }

  function closeList(input) {
    var list = listOf(input);
    if (list) { list.innerHTML = ""; list.hidden = true; }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function pick(option) {
    var list = option.closest("[role=listbox]");
    var input = comboOf(list);
    var row = input.closest(".person");
    input.value = option.dataset.name;  // at once; the row with workgroup and unit follows
    input.dataset.dismissed = input.value;
    closeList(input);
    pendingPick = row.id;
    htmx.ajax("GET", option.dataset.url, { target: "#" + row.id, swap: "outerHTML" });
  }

  // After a pick: a missing workgroup first, then the next empty name box, else "Add another person";
  // unless the person has already moved on by themselves.
  function focusAfterPick(row) {
    var at = document.activeElement;
    if (at && at !== document.body && !row.contains(at)) return;
    var workgroup = row.querySelector(".field-workgroup select");
    if (workgroup && !workgroup.value) { workgroup.focus(); return; }
    var names = Array.prototype.slice.call(document.querySelectorAll("#card [role=combobox]"));
    var later = names.slice(names.indexOf(row.querySelector("[role=combobox]")) + 1);
    var empty = later.filter(function (name) { return !name.value.trim(); })[0];
    var add = document.getElementById("add-person");
    (empty || add || row.querySelector("[role=combobox]")).focus();
  }

  // A request is not worth sending for fewer than two letters, for a dismissed list, or for a box left behind.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var input = event.target;
    if (!isCombo(input)) return;
    if (tooShort(input) || input.dataset.dismissed === input.value || document.activeElement !== input) {
      event.preventDefault();
      if (tooShort(input)) closeList(input);
    }
  });

  // A reply for what is no longer typed, or that comes after the list was closed, is dropped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var list = event.detail.target;
    if (!list || list.getAttribute("role") !== "listbox") return;
    var input = comboOf(list);
    var asked = input && new URL(event.detail.xhr.responseURL, location.href).searchParams.get(input.name);
    if (!input || document.activeElement !== input || input.dataset.dismissed === input.value ||
        asked !== input.value) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.target;
    if (list.getAttribute && list.getAttribute("role") === "listbox") showList(comboOf(list));
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!isCombo(input)) return;
    delete input.dataset.dismissed;
    if (tooShort(input)) closeList(input);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!isCombo(input)) return;
    var options = optionsOf(listOf(input));
    var active = document.getElementById(input.getAttribute("aria-activedescendant") || "");
    var at = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!isOpen(input)) {
        delete input.dataset.dismissed;
        if (!tooShort(input)) htmx.trigger(input, "suggest");
        return;
      }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = at < 0 ? (step > 0 ? 0 : options.length - 1) : (at + step + options.length) % options.length;
      setActive(input, options[next]);
    } else if (event.key === "Enter") {
      event.preventDefault();  // Enter in a name box never sends the card
      if (isOpen(input) && (active || options.length === 1)) pick(active || options[0]);
    } else if (event.key === "Escape" && isOpen(input)) {
      event.preventDefault();
      input.dataset.dismissed = input.value;
      closeList(input);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (isCombo(event.target)) closeList(event.target);
  });

  // A finger on an option must not take the focus from the box (that would close the list before the tap lands).
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[role=listbox]")) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[role=listbox] [role=option]");
    if (option) pick(option);
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
    }
    if (event.target.id && event.target.id === pendingPick) {
      pendingPick = null;
      focusAfterPick(event.target);
    } else if (event.target.id === "people") {  // "Add another person": straight to the new row's name
      var names = event.target.querySelectorAll("[role=combobox]");
      if (names.length) names[names.length - 1].focus();
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
      // A card waiting to be sent again (static/resilience.js) is never discarded.
      if (current && window.htmx && !current.hasAttribute("data-unsent")) {
        htmx.ajax("GET", current.dataset.blankUrl, { target: "#card", swap: "outerHTML" });
      }
    }, parseInt(card.dataset.idleSeconds, 10) * 1000);
  }
  ["pointerdown", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, armIdle, { passive: true });
  });
  document.addEventListener("htmx:afterSettle", armIdle);
  document.addEventListener("DOMContentLoaded", armIdle);

  // "Print this page" buttons (a QR code to scan from paper).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
