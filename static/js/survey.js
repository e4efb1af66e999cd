// The public survey page: progress through the questions, the questions asked only after a yes,
// and focus on the error summary. Without it the page works the same: every question is shown,
// numbered by the server ("Fråga 3 av 12"), and the server skips a follow-up question after a no.
(() => {
  const form = document.querySelector("form[data-survey]");
  if (!form) return;

  // Focus the error summary so screen readers announce it.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  const questions = Array.from(form.querySelectorAll("[data-question]"));
  const progress = document.getElementById("survey-progress");
  const answeredOut = progress.querySelector("[data-progress-answered]");
  const totalOut = progress.querySelector("[data-progress-total]");
  const bar = progress.querySelector("progress");

  function answerOf(question) {
    const checked = question.querySelector("input[type=radio]:checked");
    if (checked) return checked.value;
    const text = question.querySelector("textarea");
    return text ? text.value.trim() : "";
  }

  function update() {
    const answers = {};
    const asked = [];
    for (const question of questions) {
      // A follow-up question is asked only after a yes to the question it follows.
      const follows = question.dataset.dependsOn;
      const applies = !follows || answers[follows] === "ja";
      question.hidden = !applies;
      for (const field of question.querySelectorAll("input, textarea")) field.disabled = !applies;
      answers[question.dataset.question] = applies ? answerOf(question) : "";
      if (applies) asked.push(question);
    }
    asked.forEach((question, index) => {
      const number = question.querySelector("[data-number]");
      const text = `Fråga ${index + 1} av ${asked.length}`;
      if (number.textContent !== text) number.textContent = text;
    });
    const answered = String(asked.filter((question) => answers[question.dataset.question]).length);
    const total = String(asked.length);
    // Written only when a number changes, so that the live region speaks once per change.
    if (answeredOut.textContent !== answered || totalOut.textContent !== total) {
      answeredOut.textContent = answered;
      totalOut.textContent = total;
    }
    bar.max = asked.length;
    bar.value = Number(answered);
  }

  form.addEventListener("change", update);
  form.addEventListener("input", (event) => {
    if (event.target.matches("textarea")) update();
  });
  update();
  progress.hidden = false;
})();
