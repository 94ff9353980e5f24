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

  // Nobody on the roster for what is typed: said beside the box (politely, role=status, once: not again for each
  // letter while nobody matches), and kept while the person goes on to the workgroup.
  function sayNoMatch(input, none) {
    var note = document.getElementById(input.getAttribute("aria-controls").replace(/-suggestions$/, "-no-match"));
    var text = none ? note && note.dataset.message : "";
    if (note && note.textContent !== text) note.textContent = text;
  }

  function showList(input) {
    var list = listOf(input);
    var any = optionsOf(list).length > 0;
    list.hidden = !any;
    input.setAttribute("aria-expanded", any ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
    sayNoMatch(input, !any);
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
    if (tooShort(input)) {
      closeList(input);
      sayNoMatch(input, false);
    }
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
    } else if (target.id === "card" && (target.classList.contains("thanks") || target.classList.contains("card-check"))) {
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
    // A page sent back with a problem: to its summary at the top of the page where there is one, else (a reason
    // missing below the fold, say) straight to the first field to fix.
    var problems = document.querySelector("main .form-problems");
    var invalid = document.querySelector("main [aria-invalid='true']");
    if (problems) {
      problems.focus();  // (near the top of the page: in view with the page's heading)
    } else if (invalid) {
      invalid.focus();
      invalid.scrollIntoView({ block: "center" });
    }
  });

  // A new win makes the board page's banner celebrate once, not at every redraw of the board. (The wall has its
  // full-screen moment instead: below.)
  function celebrateNewWins() {
    if (document.body.classList.contains("wall")) return;
    var banner = document.querySelector(".winner-banner[data-win]");
    if (!banner) return;
    var seen = sessionStorage.getItem("rcbingo-celebrated");
    if (seen === banner.dataset.win) return;
    sessionStorage.setItem("rcbingo-celebrated", banner.dataset.win);
    banner.classList.add("celebrate");
  }
  document.addEventListener("htmx:afterSettle", celebrateNewWins);
  document.addEventListener("DOMContentLoaded", celebrateNewWins);

  // --- The wall display (templates/board/_wall_board.html, swapped whole by the stream after every change) ---
  var stillScreen = window.matchMedia("(prefers-reduced-motion: reduce)");
  function isWall() { return document.body && document.body.classList.contains("wall"); }

  // A win is a moment: full screen for its seconds, then the board with the winner marked. Only on a wall that
  // sees the win within its window (by the win's time, on the server's clock as this screen reckons it), and
  // once per wall session: a wall opened later, or reconnecting, just shows the marked winner.
  var CELEBRATED = "rcbingo-wall-celebrated";
  var clockOffset = 0;  // the server's clock minus this screen's, in ms
  var clockKnown = null;
  var moment = null;  // the moment on screen: {key, layer, timer}

  function celebrated() {
    try { return JSON.parse(sessionStorage.getItem(CELEBRATED)) || []; } catch (error) { return []; }
  }
  function remember(key) {
    var keys = celebrated().filter(function (k) { return k !== key; }).concat([key]).slice(-50);
    try { sessionStorage.setItem(CELEBRATED, JSON.stringify(keys)); } catch (error) { /* private mode: once per load */ }
  }

  // A wall's own clock may be off: the server's Date header, read once (to the second), says by how much.
  function learnClock() {
    if (clockKnown) return clockKnown;
    var icon = document.querySelector("link[rel=icon]");
    var asked = Date.now();
    var reading = window.fetch && icon ? fetch(icon.href, { method: "HEAD", cache: "no-store" }).then(function (reply) {
      var date = Date.parse(reply.headers.get("Date") || "");
      // The header is whole seconds, so the server's clock was somewhere in the next one.
      if (!isNaN(date)) clockOffset = date + 500 - (asked + Date.now()) / 2;
    }).catch(function () {}) : Promise.resolve();
    var enough = new Promise(function (resolve) { setTimeout(resolve, 1500); });
    clockKnown = Promise.race([reading, enough]);
    return clockKnown;
  }

  function endMoment() {
    if (!moment) return;
    var layer = moment.layer;
    clearTimeout(moment.timer);
    moment = null;
    document.body.classList.remove("celebrating");
    layer.classList.add("moment-leaving");
    setTimeout(function () { layer.remove(); }, stillScreen.matches ? 0 : 600);
    checkMoments();
  }

  function showMoment(source) {
    var seconds = parseFloat(source.dataset.seconds) || 18;
    var layer = document.createElement("div");
    layer.className = "moment-layer";
    layer.id = "wall-moment";
    layer.appendChild(source.content.cloneNode(true));
    var confetti = layer.querySelector(".moment-confetti");
    for (var n = 0; confetti && !stillScreen.matches && n < 60; n++) {  // scattered by chance, placed by CSSOM
      var piece = document.createElement("i");
      piece.className = "c" + (n % 6) + (n % 4 === 0 ? " round" : "");
      piece.style.left = (Math.random() * 100) + "%";
      piece.style.animationDuration = (4 + Math.random() * 4) + "s";
      piece.style.animationDelay = (-Math.random() * 8) + "s";
      confetti.appendChild(piece);
    }
    var timer = layer.querySelector(".moment-timer span");
    if (timer) timer.style.animationDuration = seconds + "s";  // CSSOM, which the CSP allows
    document.body.appendChild(layer);
    document.body.classList.add("celebrating");
    moment = { key: source.dataset.moment, layer: layer, timer: setTimeout(endMoment, seconds * 1000) };
  }

  function checkMoments() {
    if (!isWall()) return;
    var sources = Array.prototype.slice.call(document.querySelectorAll("#wall template.moment-source"));
    if (moment) {  // a revoked win leaves the screen at once
      if (!sources.some(function (s) { return s.dataset.moment === moment.key; })) endMoment();
      return;
    }
    var done = celebrated();
    var now = Date.now() + clockOffset;
    for (var i = 0; i < sources.length; i++) {
      var source = sources[i];
      var key = source.dataset.moment;
      if (done.indexOf(key) >= 0) continue;
      remember(key);
      var age = now - parseInt(source.dataset.declared, 10);
      if (age <= (parseFloat(source.dataset.window) || 18) * 1000) { showMoment(source); return; }
    }
  }

  // The stories column turns: the top story slides away and the next whole one comes in at the bottom, every few
  // seconds; a story that does not fit whole is not shown, so none is cut at the screen's edge.
  var turnTimer = null;
  var turning = null;  // the list being turned

  function fitStories(list, shift) {
    var height = list.parentNode.clientHeight;
    Array.prototype.forEach.call(list.children, function (item) {
      var top = item.offsetTop - shift;
      item.classList.toggle("story-away", top < -1 || top + item.offsetHeight > height + 1);
    });
  }

  function turnStories() {
    var list = document.querySelector("#wall .stories-window > .stories");
    scheduleTurn();
    markNewStories();
    if (!list || list.children.length < 2 || moment) return;  // under a win's moment the newest stay on top
    var items = list.children;
    if (items[0].classList.contains("story-new")) return;  // a new story stays on top while it is new, to be read
    if (!items[items.length - 1].classList.contains("story-away")) return;  // all of them fit: nothing to turn
    var first = items[0];
    var shift = items[1].offsetTop - first.offsetTop;
    var settle = function () {
      if (!list.isConnected) return;
      list.classList.remove("turning");
      list.appendChild(first);
      list.style.transform = "";
      fitStories(list, 0);
    };
    if (stillScreen.matches) { settle(); return; }
    fitStories(list, shift);
    list.classList.add("turning");
    list.style.transform = "translateY(" + (-shift) + "px)";
    setTimeout(settle, 850);
  }

  function scheduleTurn() {
    clearTimeout(turnTimer);
    var win = document.querySelector("#wall .stories-window");
    if (!win) return;
    turnTimer = setTimeout(turnStories, (parseFloat(win.dataset.turnSeconds) || 8) * 1000);
  }

  // What changed since the last board is marked, so that nothing changes on the wall unnoticed: a newly covered square
  // pulses, a row that moves up slides to its place and is lit, the newest story says "New" and stays on top. On a
  // still screen (prefers-reduced-motion) the same marks without motion: a ring, a lit row. Marks last CUE_MS, across
  // the boards that arrive meanwhile (each is a new copy of the whole board).
  var CUE_MS = 8000;
  var markedBoard = null;  // the board last looked at, and what it showed:
  var shownGame = null, shownSquares = null, shownRows = null;
  var cues = {};  // selector of a marked square or row -> until when (this screen's clock)
  var cueTimer = null;

  function markChanges() {
    var board = document.getElementById("wall-board");
    if (!board || board === markedBoard) return;
    markedBoard = board;
    var now = Date.now(), squares = {}, rows = {};
    board.querySelectorAll(".grid td.square.covered[data-square]").forEach(function (td) { squares[td.dataset.square] = 1; });
    board.querySelectorAll(".grid tr[data-workgroup]").forEach(function (tr, at) {
      rows[tr.dataset.workgroup] = { at: at, top: tr.getBoundingClientRect().top };
    });
    if (shownSquares && board.dataset.game === shownGame) {
      Object.keys(squares).forEach(function (key) {
        if (!shownSquares[key]) cues["td[data-square='" + key + "']"] = now + CUE_MS;
      });
      Object.keys(rows).forEach(function (id) {
        var before = shownRows[id];
        if (!before || before.at <= rows[id].at) return;  // a row moves up the board by its own progress only
        cues["tr[data-workgroup='" + id + "']"] = now + CUE_MS;
        if (!stillScreen.matches) slide(board.querySelector("tr[data-workgroup='" + id + "']"), before.top - rows[id].top);
      });
    }
    shownGame = board.dataset.game; shownSquares = squares; shownRows = rows;
    showCues();
  }

  function slide(row, from) {  // from where it was to where it is now (the transform set by CSSOM, as the CSP allows)
    if (!row || !from) return;
    row.style.transform = "translateY(" + from + "px)";
    row.getBoundingClientRect();
    row.style.transition = "transform .9s ease-in-out";
    row.style.transform = "";
  }

  function showCues() {
    var board = document.getElementById("wall-board"), now = Date.now(), next = Infinity;
    clearTimeout(cueTimer);
    Object.keys(cues).forEach(function (selector) {
      var live = cues[selector] > now;
      var found = board && board.querySelector(".grid " + selector);
      if (found) found.classList.toggle(found.tagName === "TR" ? "row-moved" : "just-covered", live);
      if (live) next = Math.min(next, cues[selector]); else delete cues[selector];
    });
    if (next < Infinity) cueTimer = setTimeout(showCues, next - now + 20);
  }

  // A story published less than its seconds ago (on the server's clock) is new: marked, and kept on top (turnStories).
  function markNewStories() {
    var win = document.querySelector("#wall .stories-window");
    if (!win) return;
    var seconds = parseFloat(win.dataset.newSeconds), now = Date.now() + clockOffset;
    var changed = false;
    win.querySelectorAll(".story-card[data-published]").forEach(function (item) {
      var fresh = now - parseInt(item.dataset.published, 10) < (isNaN(seconds) ? 45 : seconds) * 1000;
      var mark = item.querySelector(".new-mark");
      if (!mark || mark.hidden !== fresh) return;
      changed = true;
      item.classList.toggle("story-new", fresh);
      mark.hidden = !fresh;
    });
    var list = win.querySelector(".stories");
    if (changed && list && !list.classList.contains("turning")) fitStories(list, 0);  // the mark may take a line
  }

  function wallChanged() {
    if (!isWall()) return;
    markChanges();
    var list = document.querySelector("#wall .stories-window > .stories");
    if (list && list !== turning) {  // a new board: its stories from the newest, a full turn before the next
      turning = list;
      markNewStories();
      fitStories(list, 0);
      scheduleTurn();
    }
    learnClock().then(function () { markNewStories(); checkMoments(); });
  }
  document.addEventListener("htmx:afterSwap", wallChanged);  // before the new board is painted: no story shows cut
  document.addEventListener("htmx:afterSettle", wallChanged);
  document.addEventListener("htmx:sseMessage", function () { setTimeout(wallChanged, 50); });
  document.addEventListener("DOMContentLoaded", wallChanged);
  window.addEventListener("load", function () { turning = null; wallChanged(); });
  window.addEventListener("resize", function () {
    var list = document.querySelector("#wall .stories-window > .stories");
    if (list && isWall()) fitStories(list, 0);
  });

  // One tap per marked word on a card's review page (templates/cards/review_card.html): the word becomes its
  // placeholder in the edit box, without a reload; the server screens the text again when it is saved. The button
  // knows its word's place in the box as the server read it (in characters, not UTF-16 units); a box edited since
  // then has the word looked for.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-redact]");
    var box = button && document.getElementById(button.dataset.redact);
    if (!box) return;
    event.preventDefault();
    var chars = Array.from(box.value);
    var start = parseInt(button.dataset.start, 10);
    var end = parseInt(button.dataset.end, 10);
    var word = button.dataset.word;
    if (chars.slice(start, end).join("") === word) {
      start = chars.slice(0, start).join("").length;
    } else {
      start = box.value.indexOf(word);
    }
    var status = document.getElementById("redact-status");
    var list = button.closest("ul");
    if (start >= 0) {
      box.value = box.value.slice(0, start) + button.dataset.placeholder + box.value.slice(start + word.length);
      var shift = Array.from(button.dataset.placeholder).length - Array.from(word).length;
      list.querySelectorAll("[data-redact]").forEach(function (other) {
        if (parseInt(other.dataset.start, 10) >= end) {
          other.dataset.start = parseInt(other.dataset.start, 10) + shift;
          other.dataset.end = parseInt(other.dataset.end, 10) + shift;
        }
      });
      box.dispatchEvent(new Event("input", { bubbles: true }));  // the counter, the unsaved-changes guard
      if (status) status.textContent = button.dataset.done;
    }
    var item = button.closest("li");
    var next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    if (next) next.querySelector("button").focus(); else { list.remove(); box.focus(); }
  });

  // A shared tablet: a card left untouched clears itself for the next person after CARD_IDLE_SECONDS. A card with
  // something on it first counts down its last CARD_IDLE_WARNING_SECONDS on screen (#card-idle, kiosk.html), said
  // once to screen readers (politely, #card-idle-status) and again at ten seconds; a touch or a key anywhere keeps it.
  // Clearing wipes what was typed from the page at once, then fetches a blank card (static/resilience.js asks again
  // if that fails). A card waiting to be sent again (resilience.js, data-unsent) is never discarded.
  var idleTimer = null, countdown = null;

  function kioskCard() { return document.querySelector("form#card[data-idle-seconds]"); }

  function hasWriting(card) {
    if (card.classList.contains("card-check")) return true;  // the screen's check holds what was typed, hidden
    return Array.prototype.some.call(card.elements, function (field) {
      if (field.type === "checkbox") return field.checked;
      if (field.type === "radio") return field.checked !== field.defaultChecked;
      return /^(text|search|textarea)$/.test(field.type) && field.value.trim() !== "";
    });
  }

  // Every typed or ticked thing out of the page, values and the markup's defaults both (a refused card is shown
  // again with what was typed in its markup), and the open name lists.
  window.wipeCard = function (card) {
    card.querySelectorAll("input[type=text], input[type=search], input:not([type]), textarea").forEach(function (f) {
      f.value = "";
      f.defaultValue = "";
    });
    card.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (box) {
      box.checked = box.defaultChecked = false;
    });
    card.querySelectorAll(".suggestions").forEach(function (list) { list.textContent = ""; });
  };

  function idleSay(key, seconds) {
    var status = document.getElementById("card-idle-status");
    if (status) status.textContent = status.dataset[key].replace("{seconds}", seconds);
  }

  function stopCountdown() {
    var box = document.getElementById("card-idle");
    clearInterval(countdown);
    countdown = null;
    if (box) box.hidden = true;
  }

  function clearCard() {
    var card = kioskCard();
    stopCountdown();
    if (!card || !window.htmx || card.hasAttribute("data-unsent")) return;
    window.wipeCard(card);
    if (document.activeElement && card.contains(document.activeElement)) document.activeElement.blur();
    // The next person starts at the top of a blank card, not where the last one stopped.
    htmx.ajax("GET", card.dataset.blankUrl, { target: "#card", swap: "outerHTML" }).then(function () {
      window.scrollTo(0, 0);
    });
  }

  function startCountdown(seconds) {
    var box = document.getElementById("card-idle");
    if (!box) return clearCard();
    var left = seconds, count = box.querySelector("[data-idle-count]");
    count.textContent = left;
    box.hidden = false;
    idleSay("message", left);
    countdown = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearCard();
        idleSay("cleared");
        return;
      }
      count.textContent = left;
      if (left === 10) idleSay("message", left);
    }, 1000);
  }

  function armIdle() {
    var card = kioskCard();
    if (countdown) idleSay("kept");
    stopCountdown();
    clearTimeout(idleTimer);
    if (!card) return;
    var total = parseInt(card.dataset.idleSeconds, 10);
    var warning = Math.min(parseInt(card.dataset.idleWarningSeconds, 10) || 0, total);
    idleTimer = setTimeout(function () {
      var current = kioskCard();
      if (!current || current.hasAttribute("data-unsent")) return;
      if (warning > 0 && hasWriting(current)) startCountdown(warning);
      else clearCard();  // a blank card is renewed quietly (a fresh token for the next person)
    }, (total - warning) * 1000);
  }
  ["pointerdown", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, armIdle, { passive: true });
  });
  document.addEventListener("htmx:afterSettle", armIdle);
  document.addEventListener("DOMContentLoaded", armIdle);

  // Forms with changes not yet saved (data-unsaved-guard): leaving the page asks first, in the browser's words; a
  // button that asks first (data-confirm) says so when there are any (data-confirm-unsaved). A form is saved when it
  // is sent, except a story's by a button that does not save its words (move, leave out, put back).
  var unsaved = [];
  function unsavedForms() {
    unsaved = unsaved.filter(function (form) { return form.isConnected; });
    return unsaved;
  }
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-unsaved-guard") && unsaved.indexOf(form) < 0) unsaved.push(form);
  });
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var ask = button && (unsavedForms().some(function (form) { return form !== event.target; }) &&
      button.dataset.confirmUnsaved || button.dataset.confirm);
    if (ask && !window.confirm(ask)) {
      event.preventDefault();
      return;
    }
    if (ask && button.dataset.confirmUnsaved) unsaved = [];  // they chose to go on without them: no second question
    var saves = !button || !event.target.classList.contains("story-edit") || button.value === "edit-story";
    if (saves) unsaved = unsaved.filter(function (form) { return form !== event.target; });
  }, true);
  // A story refused by the patient-information screen keeps its words on the page, still not saved.
  function keepRefused() {
    document.querySelectorAll("form[data-refused]").forEach(function (form) {
      if (unsaved.indexOf(form) < 0) unsaved.push(form);
    });
  }
  document.addEventListener("DOMContentLoaded", keepRefused);
  document.addEventListener("htmx:afterSettle", keepRefused);
  window.addEventListener("beforeunload", function (event) {
    if (unsavedForms().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A story's buttons in the newsletter redraw the stories alone (htmx): the same button of the same story keeps
  // the focus (or the story's first button, when that one is gone or disabled).
  var storyFocus = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".story-edit button");
    if (button) storyFocus = { story: button.closest("li").id, action: button.value };
  });
  document.addEventListener("htmx:afterSettle", function () {
    var item = storyFocus && document.getElementById(storyFocus.story);
    if (!item) return;
    var twin = { exclude: "include", include: "exclude" }[storyFocus.action];  // "Leave out" becomes "Put back"
    var button = item.querySelector("button[value='" + storyFocus.action + "']:not([disabled])") ||
      (twin && item.querySelector("button[value='" + twin + "']")) || item.querySelector("button:not([disabled])");
    storyFocus = null;
    if (button) button.focus();
  });

  // A message that a redrawn part of a page brings (hx-select-oob="#flashes") floats where the person is looking for
  // a few seconds, then goes back to the top of the page; a message that came with the page stays where it is.
  function flashesShown() {
    var flashes = document.getElementById("flashes");
    if (flashes) flashes.dataset.shown = "1";
    return flashes;
  }
  document.addEventListener("DOMContentLoaded", flashesShown);
  document.addEventListener("htmx:afterSettle", function () {
    var flashes = document.getElementById("flashes");
    if (!flashes || flashes.dataset.shown || !flashes.children.length) return;
    flashesShown().classList.add("flashes-float");
    setTimeout(function () { flashes.classList.remove("flashes-float"); }, 6000);
  });

  // "Print this page" buttons (a QR code to scan from paper).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // "Copy link" buttons: the clipboard where the browser allows it (HTTPS), else the link selected for the menu's Copy.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var panel = button.closest("section");
    var link = panel.querySelector("code.link");
    var status = panel.querySelector("[data-copy-status]");
    var text = link.textContent.trim();
    function selected() {
      var range = document.createRange();
      range.selectNodeContents(link);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      if (copied && status) status.textContent = button.dataset.copied;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        if (status) status.textContent = button.dataset.copied;
      }, selected);
    } else {
      selected();
    }
  });
})();
