// The RC survey on a phone: the page's one form, shown one step at a time (your own workgroup, then each
// workgroup rated). Nothing leaves the page before "Send my answers" on the last step, so going back keeps
// every answer. The server checks everything again on sending; without this script the form is one long page.
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("form[data-survey]");
    if (!form) return;
    var steps = Array.prototype.slice.call(form.querySelectorAll("[data-survey-step]"));
    if (steps.length < 2) return;
    var back = form.querySelector("[data-survey-back]");
    var next = form.querySelector("[data-survey-next]");
    var send = form.querySelector("[data-survey-send]");
    var progress = form.querySelector("[data-survey-progress]");
    var intro = form.querySelector(".survey-intro");
    var summary = form.querySelector("[data-survey-problem]");
    var summaryLink = summary.querySelector("a");
    var current = 0;
    var depth = 0;  // how many steps this page has put in the browser's history (its Back button walks them)

    function stepOf(element) { return steps.indexOf(element.closest("[data-survey-step]")); }

    function show(index, moveFocus) {
      current = Math.max(0, Math.min(index, steps.length - 1));
      steps.forEach(function (step, i) { step.hidden = i !== current; });
      back.hidden = current === 0;
      next.hidden = current === steps.length - 1;
      send.hidden = current !== steps.length - 1;
      if (intro) intro.hidden = current !== 0;
      progress.textContent = steps[current].dataset.progress;
      if (moveFocus) {
        form.scrollIntoView({ block: "start" });
        steps[current].querySelector("h2").focus({ preventScroll: true });
      }
    }

    function go(index) {
      depth += 1;
      history.pushState({ surveyStep: index, surveyDepth: depth }, "");
      show(index, true);
    }

    // The same two rules the server applies on sending (rcbingo/survey/views.py), checked early.
    function raterMissing() {
      var first = form.querySelector("input[name=rater]");
      return first && !form.querySelector("input[name=rater]:checked") ? first : null;
    }
    function nothingAnswered() {
      var answered = Array.prototype.some.call(form.querySelectorAll(".scale input:checked"), function (radio) {
        return radio.value !== "";
      });
      return answered ? null : form.querySelector(".scale input");
    }
    var checks = { rater: raterMissing, answer: nothingAnswered };

    function showProblem(kind, target) {
      summary.dataset.kind = kind;
      summaryLink.textContent = form.dataset[kind === "rater" ? "needRater" : "needAnswer"];
      summaryLink.setAttribute("href", "#" + target.id);
      summary.hidden = false;
      summaryLink.focus();
    }
    function clearProblem() {
      summary.hidden = true;
      summary.dataset.kind = "";
    }

    next.addEventListener("click", function () {
      var missing = steps[current].contains(form.querySelector("input[name=rater]")) && raterMissing();
      if (missing) { showProblem("rater", missing); return; }
      clearProblem();
      go(current + 1);
    });

    back.addEventListener("click", function () {
      clearProblem();
      if (depth > 0) {
        history.back();  // the popstate below shows the step before
      } else {  // a page the server sent back opens on a later step: there is no history entry to return to
        history.replaceState({ surveyStep: current - 1, surveyDepth: 0 }, "");
        show(current - 1, true);
      }
    });

    window.addEventListener("popstate", function (event) {
      var state = event.state || {};
      depth = state.surveyDepth || 0;
      clearProblem();
      show(typeof state.surveyStep === "number" ? state.surveyStep : 0, true);
    });

    // A link in the problem box opens the step holding the question it names.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      if (stepOf(target) !== current) go(stepOf(target));
      target.focus();
    });

    // The problem box goes away once what it asked for is done.
    form.addEventListener("change", function () {
      var check = checks[summary.dataset.kind];
      if (!summary.hidden && check && !check()) clearProblem();
    });

    var sending = false;
    form.addEventListener("submit", function (event) {
      if (current < steps.length - 1) {  // Enter on an earlier step means Next, never sending half the form
        event.preventDefault();
        next.click();
        return;
      }
      var missing = raterMissing();
      var kind = "rater";
      if (!missing) {
        missing = nothingAnswered();
        kind = "answer";
      }
      if (missing) {
        event.preventDefault();
        if (stepOf(missing) !== current) go(stepOf(missing));
        showProblem(kind, missing);
        return;
      }
      if (sending) event.preventDefault();  // a double tap sends once
      sending = true;
    });
    window.addEventListener("pageshow", function () { sending = false; });

    // The server sends the form back with a problem: open the step the problem is about.
    var opening = 0;
    if (!summary.hidden) {
      var target = document.getElementById(summaryLink.getAttribute("href").slice(1));
      if (target) opening = stepOf(target);
    }
    history.replaceState({ surveyStep: opening, surveyDepth: 0 }, "");
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";  // each step opens at its top
    form.classList.add("stepped");
    show(opening, false);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
