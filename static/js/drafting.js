// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Bracket tools: wrap the selected words in [ ], or remove the pair around the selection.
  function bracketTools(tools) {
    var form = tools.closest("form");
    var box = form && form.querySelector("textarea[name=proposed_text]");
    if (!box) return;
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("[data-bracket-action]");
      if (!button) return;
      var text = box.value, start = box.selectionStart, end = box.selectionEnd;
      if (button.dataset.bracketAction === "wrap") {
        if (start === end) return;
        box.value = text.slice(0, start) + "[" + text.slice(start, end) + "]" + text.slice(end);
        box.setSelectionRange(start, end + 2);
        var kind = form.querySelector("input[name=kind][value=add_brackets]");
        if (kind && !form.querySelector("input[name=kind][value=amend]:checked")) kind.checked = true;
      } else {
        // The innermost pair enclosing the selection.
        var open = text.lastIndexOf("[", start), close = text.indexOf("]", Math.max(end - 1, start));
        if (text.charAt(start) === "[") open = start;
        if (open < 0 || close < 0 || close < open) return;
        box.value = text.slice(0, open) + text.slice(open + 1, close) + text.slice(close + 1);
        box.setSelectionRange(open, close - 1);
        var removeKind = form.querySelector("input[name=kind][value=remove_brackets]");
        if (removeKind && !form.querySelector("input[name=kind][value=amend]:checked")) removeKind.checked = true;
      }
      box.focus();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // One submission per form: a double click sends one request (the server is idempotent too).
  function submitOnce(form) {
    if (form.dataset.onceBound === "yes") return;
    form.dataset.onceBound = "yes";
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "yes") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "yes";
    });
  }

  // Deadlines are given in New York time; add the reader's own time beside them.
  function localTime(element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment)) return;
    var note = document.createElement("span");
    note.className = "local-time";
    // The label ("your time", translated) comes with the page: this script has no catalogue.
    var label = element.getAttribute("data-local-time");
    note.textContent = " (" + (label ? label + ": " : "") + moment.toLocaleString(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short"
    }) + ")";
    element.after(note);
  }

  // The "new element is a" choice only matters for insertions.
  function newElementKind(form) {
    var field = form.querySelector("#field-new_element_kind");
    if (!field) return;
    function sync() {
      var kind = form.querySelector("input[name=kind]:checked");
      field.hidden = !(kind && (kind.value === "insert_after" || kind.value === "fill_placeholder"));
    }
    form.addEventListener("change", sync);
    sync();
  }

  // Participants: a filter box hides the delegations whose name does not contain what is typed
  // (hidden boxes keep their state and are still sent); the count says how many are shown.
  function delegationFilter(box) {
    var list = document.getElementById(box.getAttribute("aria-controls"));
    var status = document.getElementById(box.dataset.filterStatus);
    if (!list) return;
    var wrapper = box.closest("[data-filter-wrapper]");
    if (wrapper) wrapper.hidden = false;
    box.addEventListener("input", function () {
      var wanted = box.value.trim().toLowerCase(), shown = 0;
      list.querySelectorAll("[data-name]").forEach(function (item) {
        var match = item.dataset.name.indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) shown += 1;
      });
      // The page gives both wordings (this script has no catalogue).
      if (status) {
        status.textContent = shown === 1 ? status.dataset.one : status.dataset.many.replace("%s", shown);
      }
    });
  }

  // What a reader is in the middle of inside ``area``: typing in a field, a note typed and
  // not sent, or a <details> opened. A live refresh never replaces that.
  function busy(area) {
    // Whatever has the focus there (a field, a button, a decision's message) keeps it.
    var active = document.activeElement;
    if (active && active !== document.body && area.contains(active)) return true;
    var typed = Array.prototype.some.call(
      area.querySelectorAll("input[type=text], textarea"),
      function (field) { return field.value.trim() !== ""; }
    );
    return typed || area.querySelector("details[open]") !== null;
  }

  // Live pages (data-live-rows: the compilation's rows, the working draft's body) are fetched
  // again every 30 s by a poller (data-hx-trigger="every 30s"). The new copy says what it holds
  // (data-live-total, data-live-summary: the page's own words, this script has no catalogue);
  // when that changed, the summary goes to the page's polite live region (#live-news). The
  // swap waits while the reader is busy there (see busy), until a later poll.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute("data-live-rows")) return;
    var fresh = new DOMParser()
      .parseFromString(event.detail.serverResponse || "", "text/html")
      .getElementById(target.id);
    if (!fresh) { event.detail.shouldSwap = false; return; }
    var news = document.getElementById("live-news");
    if (news && fresh.dataset.liveTotal !== target.dataset.liveTotal) {
      news.textContent = fresh.dataset.liveSummary || "";
    }
    if (busy(target)) event.detail.shouldSwap = false;
  });

  // New content from htmx: its forms are sent once; a decision made in place on the
  // compilation brings back the card with its message, which takes the focus (the button
  // pressed is gone) and is beside the card, on screen.
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (!(elt instanceof Element)) return;
    elt.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
    if (elt.matches("li.compiled-proposal")) {
      var message = elt.querySelector(".decision-message");
      if (message) message.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-delegation-filter]").forEach(delegationFilter);
    document.querySelectorAll("form.proposal-form").forEach(newElementKind);
    document.querySelectorAll("time[data-local-time]").forEach(localTime);
    document.querySelectorAll("[data-bracket-tools]").forEach(bracketTools);
    document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  });
})();
