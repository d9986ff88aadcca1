// OsteoCDS card viewer: the patient picker presets the service and date; suggestions and "dismiss" send real
// CDS Hooks feedback to /cds-services/{id}/feedback (with a one-use token of the viewer's issuer in production).
"use strict";

(function () {
  const body = document.body;
  const root = body.dataset.root || "";
  const text = JSON.parse(document.getElementById("viewer-messages").textContent);
  const $ = (id) => document.getElementById(id);

  function pickPatient() {
    const option = $("patient").selectedOptions[0];
    $("expect").textContent = option ? option.dataset.expect || "" : "";
    const link = $("record-link");
    if (!option || !option.value) {
      link.hidden = true;
      return;
    }
    link.hidden = false;
    link.href = link.dataset.base + option.value.split("/").map(encodeURIComponent).join("/");
    $("service").value = option.dataset.service;
    $("today").value = option.dataset.today || "";
    $("bundle").value = "";  // a picked patient replaces an own Bundle (which would take precedence)
    $("bundle_file").value = "";
  }

  async function token(service) {
    const answer = await fetch(root + "/viewer/token", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({service}),
    });
    if (!answer.ok) throw new Error("token: HTTP " + answer.status);
    return (await answer.json()).token;
  }

  async function sendFeedback(card, item) {
    const status = card.querySelector(".card__feedback");
    status.className = "card__feedback";
    status.textContent = text.feedback_sending;
    const service = card.dataset.service;
    const headers = {"Content-Type": "application/json"};
    try {
      if (body.dataset.auth === "jwt") headers.Authorization = "Bearer " + await token(service);
      const feedback = Object.assign({card: card.dataset.card, outcomeTimestamp: new Date().toISOString()}, item);
      const answer = await fetch(root + "/cds-services/" + encodeURIComponent(service) + "/feedback", {
        method: "POST", headers, body: JSON.stringify({feedback: [feedback]}),
      });
      const result = await answer.json().catch(() => ({}));
      if (!answer.ok) throw new Error("HTTP " + answer.status + " " + (result.message || ""));
      status.classList.add("ok");
      status.textContent = text.feedback_stored + ": " + item.outcome + " (stored " + result.stored
        + ", duplicates " + result.duplicates + ")";
      return true;
    } catch (error) {
      status.classList.add("error");
      status.textContent = text.feedback_failed + ": " + error.message;
      return false;
    }
  }

  async function accept(button) {
    const card = button.closest(".card");
    button.disabled = true;
    if (!await sendFeedback(card, {outcome: "accepted", acceptedSuggestions: [{id: button.dataset.accept}]})) {
      button.disabled = false;
      return;
    }
    button.classList.add("is-accepted");
    button.title = text.accepted;
    if (card.dataset.selection === "at-most-one") {
      card.querySelectorAll("[data-accept]").forEach((other) => { other.disabled = true; });
    }
  }

  async function dismiss(button) {
    const card = button.closest(".card");
    const reason = card.querySelector("[data-reason]").selectedOptions[0];
    const comment = card.querySelector("[data-comment]").value.trim();
    const overrideReason = {};
    if (reason) overrideReason.reason = {system: reason.dataset.system, code: reason.dataset.code, display: reason.textContent};
    if (comment) overrideReason.userComment = comment;
    button.disabled = true;
    await sendFeedback(card, {outcome: "overridden", overrideReason});
    button.disabled = false;
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.accept !== undefined) accept(target);
    else if (target.dataset.override !== undefined) dismiss(target);
    else if (target.dataset.toggleOverride !== undefined) {
      const panel = target.closest(".card").querySelector(".override");
      panel.hidden = !panel.hidden;
    }
  });
  $("patient").addEventListener("change", pickPatient);
  $("bundle").addEventListener("input", () => {
    if (!$("bundle").value.trim()) return;
    $("patient").value = "";
    pickPatient();
  });
  $("viewer-form").addEventListener("submit", () => { $("submit").disabled = true; });
  window.addEventListener("pageshow", () => { $("submit").disabled = false; });
})();
